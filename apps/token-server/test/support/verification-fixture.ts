/**
 * Shared fixture for every suite that needs verification codes (verification, sign-in, sign-up,
 * user, interaction helpers): a token server whose SMS goes through the real `@lingpai/sandbox`
 * over HTTP (Aliyun first, Tencent as the failover) and whose email goes to a real `smtp-server` on
 * 127.0.0.1.
 *
 *   const f = await startServerWithSandbox(backend);
 *   await f.inject('/auth/v1/verification', { phone_number: '+86 13800138000', target: 'ANY' });
 *   const code = await f.lastSmsCode('+86 13800138000');   // waits for background deliveries
 *   const token = await f.verificationToken({ phone_number: '+86 13800138000', usage: 'SIGN_IN' });
 *   await f.close();
 *
 * Codes are delivered in the background (the send answers first): `lastSmsCode`/`lastEmailCode`
 * wait for `services.verification.settled()` before reading the inbox, so no test polls or sleeps.
 */
import { createSandbox, SANDBOX_SMS_DEFAULTS, type Sandbox } from '@lingpai/sandbox';
import { SMTPServer } from 'smtp-server';
import type { BuildAppOptions } from '../../src/app.js';
import { parsePhoneInput } from '../../src/users/contact-address.js';
import type { VerificationOptions } from '../../src/verification/verification-config.js';
import { type Backend, startTestServer, type TestServer } from './test-app.js';

export interface ReceivedMail {
  to: string[];
  /** The raw message (headers and body). */
  data: string;
  /** The decoded Subject header. */
  subject: string;
}

export interface SmtpInbox {
  port: number;
  messages: ReceivedMail[];
  /** Makes the next `count` deliveries fail with a 4xx/5xx (`responseCode`). */
  failNext(count: number, responseCode?: number): void;
  close(): Promise<void>;
}

export interface VerificationFixtureOptions extends Partial<BuildAppOptions> {
  /** Merged into the server's `verification` settings (code length, caps, enumeration protection, …). */
  verification?: VerificationOptions;
  /** Start the SMTP server and configure email. Default true. */
  smtp?: boolean;
}

export interface VerificationFixture {
  server: TestServer;
  sandbox: Sandbox;
  smtp: SmtpInbox | undefined;
  /** The sandbox's base URL. */
  sandboxUrl: string;
  /** The newest code the sandbox received for this phone (any spelling), after deliveries settled. */
  lastSmsCode(phone: string): Promise<string | undefined>;
  /** The newest code mailed to this address, after deliveries settled. */
  lastEmailCode(email: string): Promise<string | undefined>;
  /** POST JSON through `app.inject`; answers status, headers and the parsed body. */
  inject(
    url: string,
    body: Record<string, unknown>,
    options?: { headers?: Record<string, string>; remoteAddress?: string },
  ): Promise<{ statusCode: number; headers: Record<string, unknown>; json: Record<string, unknown> }>;
  /** Send (target ANY unless given) → read the code → verify: a fresh `verification_token`. */
  verificationToken(request: {
    phone_number?: string;
    email?: string;
    usage?: string;
    target?: string;
    client_id?: string;
    headers?: Record<string, string>;
  }): Promise<string>;
  close(): Promise<void>;
}

/** RFC 2047 encoded words (`=?UTF-8?B?…?=`), enough for nodemailer's subjects. */
function decodeHeader(value: string): string {
  return value.replace(
    /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g,
    (_m, _charset: string, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9A-Fa-f]{2})/g, (_x, hex: string) =>
                String.fromCharCode(Number.parseInt(hex, 16)),
              ),
            'latin1',
          ).toString('utf8'),
  );
}

export async function startSmtpInbox(): Promise<SmtpInbox> {
  const messages: ReceivedMail[] = [];
  let failures = 0;
  let failCode = 451;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (failures > 0) {
        failures -= 1;
        const error = new Error('Mailbox unavailable') as Error & { responseCode: number };
        error.responseCode = failCode;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const data = Buffer.concat(chunks).toString('utf8');
        const header = /^Subject: (.*(?:\r?\n[ \t].*)*)/im.exec(data)?.[1] ?? '';
        messages.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
          subject: decodeHeader(header.replace(/\r?\n[ \t]/g, ' ')),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    messages,
    failNext(count, responseCode = 451) {
      failures = count;
      failCode = responseCode;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A token server with SMS through the sandbox (Aliyun, Tencent failover) and email through `smtp-server`. */
export async function startServerWithSandbox(
  backend: Backend = { kind: 'pglite' },
  options: VerificationFixtureOptions = {},
): Promise<VerificationFixture> {
  // No flow control: the server's own caps are what the tests exercise.
  const sandbox = await createSandbox({ sms: { perNumberPerMinute: 0 } });
  const sandboxUrl = await sandbox.listen();
  const smtp = options.smtp === false ? undefined : await startSmtpInbox();
  const { smtp: _smtp, verification, ...rest } = options;
  const { aliyun, tencent } = SANDBOX_SMS_DEFAULTS;
  let server: TestServer;
  try {
    server = await startTestServer(backend, {
      sms: {
        providers: [
          {
            kind: 'aliyun',
            baseURL: `${sandboxUrl}/aliyun`,
            credentials: { accessKeyId: aliyun.accessKeyId, accessKeySecret: aliyun.accessKeySecret },
            signName: '令牌',
            templates: { default: 'SMS_100000001' },
          },
          {
            kind: 'tencent',
            baseURL: `${sandboxUrl}/tencent`,
            credentials: { secretId: tencent.secretId, secretKey: tencent.secretKey },
            smsSdkAppId: tencent.smsSdkAppId,
            signName: '令牌',
            templates: { default: '1235' },
          },
        ],
      },
      ...(smtp === undefined
        ? {}
        : {
            email: {
              host: '127.0.0.1',
              port: smtp.port,
              secure: false,
              from: '"Lingpai" <no-reply@lingpai.test>',
            },
          }),
      ...(verification === undefined ? {} : { verification }),
      ...rest,
    });
  } catch (error) {
    await sandbox.close();
    await smtp?.close();
    throw error;
  }
  const settled = () => server.app.lingpai.verification.settled();
  const inject: VerificationFixture['inject'] = async (url, body, injectOptions = {}) => {
    const response = await server.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...injectOptions.headers },
      payload: JSON.stringify(body),
      ...(injectOptions.remoteAddress === undefined ? {} : { remoteAddress: injectOptions.remoteAddress }),
    });
    return {
      statusCode: response.statusCode,
      headers: response.headers,
      json: response.json() as Record<string, unknown>,
    };
  };
  const fixture: VerificationFixture = {
    server,
    sandbox,
    smtp,
    sandboxUrl,
    async lastSmsCode(phone) {
      await settled();
      return sandbox.sms.lastCode(parsePhoneInput(phone).e164);
    },
    async lastEmailCode(email) {
      await settled();
      const wanted = email.trim().toLowerCase();
      const mail = [...(smtp?.messages ?? [])]
        .reverse()
        .find((m) => m.to.some((to) => to.toLowerCase() === wanted));
      return mail === undefined ? undefined : /([0-9A-Z]{4,10})\s*$/.exec(mail.subject)?.[1];
    },
    inject,
    async verificationToken(request) {
      const { headers, client_id, ...body } = request;
      const query = client_id === undefined ? '' : `?client_id=${encodeURIComponent(client_id)}`;
      const sent = await inject(
        `/auth/v1/verification${query}`,
        { target: 'ANY', ...body },
        headers ? { headers } : {},
      );
      if (sent.statusCode !== 200)
        throw new Error(`send failed: ${sent.statusCode} ${JSON.stringify(sent.json)}`);
      const code =
        body.phone_number !== undefined
          ? await fixture.lastSmsCode(body.phone_number)
          : await fixture.lastEmailCode(body.email ?? '');
      const verified = await inject(
        `/auth/v1/verification/verify${query}`,
        { verification_id: sent.json.verification_id, verification_code: code ?? '' },
        headers ? { headers } : {},
      );
      if (verified.statusCode !== 200)
        throw new Error(`verify failed: ${verified.statusCode} ${JSON.stringify(verified.json)}`);
      return verified.json.verification_token as string;
    },
    async close() {
      await server.close();
      await sandbox.close();
      await smtp?.close();
    },
  };
  return fixture;
}
