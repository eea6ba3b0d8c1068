import { createManualClock } from '@lingpai/auth-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailChannel } from '../src/email.js';
import { isOtpError, MemoryOtpStore, VerificationService } from '../src/index.js';
import { SECRET } from './otp-store-contract.js';

interface Received {
  from: string;
  to: string[];
  data: string;
}

describe('email channel over a real SMTP server on 127.0.0.1', () => {
  const inbox: Received[] = [];
  let port = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('nobody@')) {
        const error = new Error('Mailbox unavailable') as Error & { responseCode: number };
        error.responseCode = 550;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        inbox.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const channel = () =>
    createEmailChannel({
      transport: { host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 2000 },
      from: '"Lingpai" <no-reply@lingpai.test>',
    });

  it('delivers the code to the normalized address and verifies it', async () => {
    const email = channel();
    const otp = new VerificationService({
      secret: SECRET,
      store: new MemoryOtpStore(),
      clock: createManualClock(1e12),
      channels: { email },
    });
    const { verificationId } = await otp.send({ to: '  Li.Si@Example.ORG ', channel: 'email', locale: 'en' });
    const mail = inbox.at(-1);
    expect(mail?.from).toBe('no-reply@lingpai.test');
    expect(mail?.to).toEqual(['li.si@example.org']);
    const code = /verification code is (\d{6})/.exec(mail?.data ?? '')?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);
    expect(mail?.data).toContain('Auto-Submitted: auto-generated');
    await otp.verify({ verificationId, code });
    email.close();
  });

  it('a 550 from the server is OTP_CHANNEL_FAILED, not retryable, and the cooldown is lifted', async () => {
    const email = channel();
    const otp = new VerificationService({
      secret: SECRET,
      store: new MemoryOtpStore(),
      clock: createManualClock(1e12),
      channels: { email },
    });
    const error = await otp.send({ to: 'nobody@example.org', channel: 'email' }).catch((e: unknown) => e);
    expect(isOtpError(error, 'OTP_CHANNEL_FAILED')).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(false);
    const again = await otp.send({ to: 'nobody@example.org', channel: 'email' }).catch((e: unknown) => e);
    expect(isOtpError(again, 'OTP_CHANNEL_FAILED')).toBe(true);
    email.close();
  });

  it('zh locale text and IDN domains', async () => {
    const email = channel();
    const otp = new VerificationService({
      secret: SECRET,
      store: new MemoryOtpStore(),
      clock: createManualClock(1e12),
      channels: { email },
    });
    await otp.send({ to: 'wang@例子.中国', channel: 'email', locale: 'zh-CN' });
    const mail = inbox.at(-1);
    // We send the punycode spelling; smtp-server reports envelope addresses back in Unicode.
    expect(mail?.to).toEqual(['wang@例子.中国']);
    expect(mail?.data).toMatch(/Subject: =\?UTF-8\?/);
    email.close();
  });
});
