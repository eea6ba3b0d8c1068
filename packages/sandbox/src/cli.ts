#!/usr/bin/env node
// `lingpai-sandbox`: runs the sandbox on its own, for manual testing or for apps in other languages.
// The installed bin is the committed bin/lingpai-sandbox.js, which imports `main` from here.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createSandbox } from './create-sandbox.js';

const HELP = `Usage: lingpai-sandbox [--port 4010] [--host 127.0.0.1] [--smpp 2775]

Imitates the SMS and OAuth platforms lingpai talks to. Point a client's baseURL at
http://<host>:<port>/<platform> (aliyun, tencent, twilio, wechat, lark, …).
`;

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65_535) {
    throw new Error(`${flag} must be a port number from 0 to 65535`);
  }
  return number;
}

/**
 * The CLI. Resolves with the exit code: 0 after `--help` or once SIGINT/SIGTERM closed the sandbox,
 * 2 for a wrong command line.
 */
export async function main(argv: string[]): Promise<number> {
  let values: { port?: string; host?: string; smpp?: string; help?: boolean };
  let httpPort: number | undefined;
  let smppPort: number | undefined;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '4010' },
        host: { type: 'string', default: '127.0.0.1' },
        smpp: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
    httpPort = port(values.port, '--port');
    smppPort = port(values.smpp, '--smpp');
  } catch (error) {
    process.stderr.write(`lingpai-sandbox: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(HELP);
    return 0;
  }

  const sandbox = await createSandbox();
  const url = await sandbox.listen({ port: httpPort ?? 4010, host: values.host ?? '127.0.0.1' });
  console.log(`lingpai sandbox listening at ${url}`);
  console.log(`  SMS inbox:         ${url}/__sandbox/sms/inbox (JSON: ${url}/__sandbox/sms/messages)`);
  console.log(`  OAuth token stats: ${url}/__sandbox/oauth/stats`);
  if (smppPort !== undefined) {
    const smpp = await sandbox.sms.startSmpp({ port: smppPort });
    console.log(`  SMPP server:       ${smpp.url}`);
  }
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void sandbox.close().then(() => resolve(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

// Run directly (`node --import tsx src/cli.ts …`); the bin imports `main` instead.
function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) process.exitCode = await main(process.argv.slice(2));
