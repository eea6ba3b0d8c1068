import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backends, ENV_ID } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

describe.each(backends())('verification by email through a real smtp-server (%s)', (_name, backend) => {
  let f: VerificationFixture;
  beforeAll(async () => {
    f = await startServerWithSandbox(backend);
  }, 120_000);
  afterAll(async () => {
    await f?.close();
  });
  afterEach(async () => {
    await f.server.app.lingpai.verification.settled();
    f.server.clock.advance(86_400_000);
  });

  it('send → the code from the mailbox → verify → redeem, with the address as stored', async () => {
    const sent = await f.inject('/auth/v1/verification', {
      email: ' Zhang.San@Example.COM ',
      target: 'ANY',
      usage: 'REGISTER',
    });
    expect(sent.statusCode).toBe(200);
    expect(sent.json).toMatchObject({ expires_in: 600, is_user: false, resend_after_seconds: 60 });
    const code = await f.lastEmailCode('zhang.san@example.com');
    expect(code).toMatch(/^\d{6}$/);
    const mail = f.smtp?.messages.at(-1);
    expect(mail?.to).toEqual(['zhang.san@example.com']);
    expect(mail?.data).toMatch(/^From: .*<no-reply@lingpai\.test>/m);
    const verified = await f.inject('/auth/v1/verification/verify', {
      verification_id: sent.json.verification_id,
      verification_code: code,
    });
    expect(verified.statusCode).toBe(200);
    const redeemed = await f.server.app.lingpai.verification.redeem(
      verified.json.verification_token as string,
      {
        usages: ['REGISTER'],
        clientId: ENV_ID,
      },
    );
    expect(redeemed).toEqual({ kind: 'email', address: 'zhang.san@example.com', usage: 'REGISTER' });
  });

  it('a 5xx from the mail server: the send already answered, the code is cancelled, the cooldown lifted', async () => {
    f.smtp?.failNext(1, 550);
    const sent = await f.inject('/auth/v1/verification', { email: 'bounce@example.com', target: 'ANY' });
    expect(sent.statusCode).toBe(200);
    expect(await f.lastEmailCode('bounce@example.com')).toBeUndefined();
    const again = await f.inject('/auth/v1/verification', { email: 'bounce@example.com', target: 'ANY' });
    expect(again.statusCode).toBe(200);
    expect(await f.lastEmailCode('bounce@example.com')).toMatch(/^\d{6}$/);
  });

  it('aliases share the cooldown: alice+1@ right after alice@ is 429', async () => {
    expect((await f.inject('/auth/v1/verification', { email: 'alice@example.com' })).statusCode).toBe(200);
    const alias = await f.inject('/auth/v1/verification', { email: 'alice+1@example.com' });
    expect(alias.statusCode).toBe(429);
    expect(alias.json).toMatchObject({ error: 'rate_limit_exceeded' });
  });
});
