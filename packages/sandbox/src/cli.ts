#!/usr/bin/env node
// `lingpai-sandbox`: runs the sandbox on its own, for manual testing or for apps in other languages.
import { parseArgs } from 'node:util';
import { createSandbox } from './create-sandbox.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    host: { type: 'string', default: '127.0.0.1' },
    smpp: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(`Usage: lingpai-sandbox [--port 4010] [--host 127.0.0.1] [--smpp 2775]

Imitates the SMS and OAuth platforms lingpai talks to. Point a client's baseURL at
http://<host>:<port>/<platform> (aliyun, tencent, twilio, wechat, lark, …).`);
  process.exit(0);
}

const sandbox = await createSandbox();
const url = await sandbox.listen({ port: Number(values.port), host: values.host });
console.log(`lingpai sandbox listening at ${url}`);
console.log(`  SMS inbox:         ${url}/__sandbox/sms/messages`);
console.log(`  OAuth token stats: ${url}/__sandbox/oauth/stats`);
if (values.smpp !== undefined) {
  const smpp = await sandbox.sms.startSmpp({ port: Number(values.smpp) });
  console.log(`  SMPP server:       ${smpp.url}`);
}
const stop = async () => {
  await sandbox.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
