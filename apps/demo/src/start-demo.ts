import { createSandbox, type Sandbox, SMS_INBOX_PAGE_PATH } from '@lingpai/sandbox';
import { type RunningServer, startServer } from '@lingpai/token-server';
import { DemoError } from './demo-error.js';
import { demoServerOptions } from './demo-server-options.js';
import type { DemoSettings } from './demo-settings.js';
import { freePort, portInUse } from './free-port.js';
import { type MailInbox, startMailInbox } from './mail-inbox.js';

/** Everything `pnpm demo` runs, in one process. */
export interface RunningDemo {
  sandbox: Sandbox;
  sandboxUrl: string;
  server: RunningServer;
  /** The token server's origin (tokens' `iss`). */
  issuer: string;
  mail: MailInbox;
  urls: {
    loginPage: string;
    smsInbox: string;
    smsInboxJson: string;
  };
  /**
   * Resolves once every code the server has accepted to send has been handed to the sandbox or the
   * SMTP server (the server answers before it delivers, so its timing tells nothing).
   */
  deliveriesSettled(): Promise<void>;
  /** Stops the server (drained), the sandbox and the SMTP server. Idempotent. */
  close(): Promise<void>;
}

function inUse(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'EADDRINUSE';
}

function serverPortInUse(port: number): DemoError {
  return new DemoError(
    'DEMO_PORT_IN_USE',
    `port ${port} (the token server) is in use — is another \`pnpm demo\` running? Stop it or set PORT=${port + 1}`,
  );
}

/** Starts the sandbox, the SMTP inbox and the token server with its login page, in that order. */
export async function startDemo(settings: DemoSettings): Promise<RunningDemo> {
  const { host } = settings;
  // The token server starts last and slowest (database, migrations, argon2): find a clash first.
  if (settings.port !== 0 && (await portInUse(host, settings.port))) throw serverPortInUse(settings.port);
  const sandbox = await createSandbox({ sms: { perNumberPerMinute: 0 } });
  const started: Array<() => Promise<void>> = [() => sandbox.close()];
  const stopAll = async () => {
    for (const stop of started.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    let sandboxUrl: string;
    try {
      sandboxUrl = await sandbox.listen({ host, port: settings.sandboxPort });
    } catch (error) {
      if (!inUse(error)) throw error;
      throw new DemoError(
        'DEMO_PORT_IN_USE',
        `port ${settings.sandboxPort} (the sandbox) is in use — is another \`pnpm demo\` running? Stop it or set SANDBOX_PORT=${settings.sandboxPort + 1}`,
        { cause: error },
      );
    }
    const mail = await startMailInbox(host);
    started.push(() => mail.close());
    const port = settings.port === 0 ? await freePort(host) : settings.port;
    const issuer = `http://${host}:${port}`;
    let server: RunningServer;
    try {
      server = await startServer({
        ...demoServerOptions({ issuer, sandboxUrl, mailPort: mail.port }),
        host,
        port,
      });
    } catch (error) {
      if (!inUse(error)) throw error;
      throw serverPortInUse(port);
    }
    started.push(() => server.shutdown());
    let closing: Promise<void> | undefined;
    return {
      sandbox,
      sandboxUrl,
      server,
      issuer,
      mail,
      urls: {
        loginPage: `${issuer}/login`,
        smsInbox: `${sandboxUrl}${SMS_INBOX_PAGE_PATH}`,
        smsInboxJson: `${sandboxUrl}/__sandbox/sms/messages`,
      },
      deliveriesSettled: () => server.app.lingpai.verification.settled(),
      close() {
        closing ??= stopAll();
        return closing;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
