import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backends, ENV_ID } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

const send = (
  f: VerificationFixture,
  body: Record<string, unknown>,
  options?: Parameters<VerificationFixture['inject']>[2],
) => f.inject('/auth/v1/verification', { target: 'ANY', ...body }, options);

describe.each(backends())('verification by SMS through the sandbox (%s)', (_name, backend) => {
  let f: VerificationFixture;
  beforeAll(async () => {
    f = await startServerWithSandbox(backend);
  }, 120_000);
  afterAll(async () => {
    await f?.close();
  });
  afterEach(async () => {
    // No delivery of this test may meet the next test's faults; then past every cooldown and window.
    await f.server.app.lingpai.verification.settled();
    f.server.clock.advance(86_400_000);
  });

  it('send → the code from the sandbox inbox → verify → redeem once', async () => {
    const sent = await send(f, { phone_number: '+86 13800138000', usage: 'SIGN_IN' });
    expect(sent.statusCode).toBe(200);
    expect(sent.json).toMatchObject({ expires_in: 600, is_user: false, resend_after_seconds: 60 });
    expect(typeof sent.json.verification_id).toBe('string');
    const code = await f.lastSmsCode('13800138000');
    expect(code).toMatch(/^\d{6}$/);
    const message = f.sandbox.sms.last('+8613800138000');
    expect(message?.provider).toBe('aliyun');
    expect(message?.text).toContain('【令牌】');

    const verified = await f.inject('/auth/v1/verification/verify', {
      verification_id: sent.json.verification_id,
      verification_code: code,
    });
    expect(verified.statusCode).toBe(200);
    expect(verified.json).toMatchObject({ expires_in: 300 });
    const token = verified.json.verification_token as string;

    const codes = f.server.app.lingpai.verification;
    await expect(codes.redeem(token, { usages: ['SIGN_IN'], clientId: ENV_ID })).resolves.toEqual({
      kind: 'phone',
      address: '+86 13800138000',
      usage: 'SIGN_IN',
    });
    await expect(codes.redeem(token, { usages: ['SIGN_IN'], clientId: ENV_ID })).rejects.toMatchObject({
      code: 'invalid_verification_token',
    });
  });

  it('every spelling of one number is one recipient: full-width digits, no country code, +86 without a space', async () => {
    expect((await send(f, { phone_number: '１３８００１３８００１' })).statusCode).toBe(200);
    const again = await send(f, { phone_number: '+8613800138001' });
    expect(again.statusCode).toBe(429);
    expect(again.json).toMatchObject({ error: 'rate_limit_exceeded', error_code: 4029 });
    expect(again.headers['retry-after']).toBe('60');
    expect(await f.lastSmsCode('+86 13800138001')).toMatch(/^\d{6}$/);
  });

  it('the token is bound to its usage and client: another usage or client is refused (and spent)', async () => {
    const codes = f.server.app.lingpai.verification;
    const token = await f.verificationToken({ phone_number: '+86 13800138002', usage: 'REGISTER' });
    await expect(codes.redeem(token, { usages: ['SIGN_IN'], clientId: ENV_ID })).rejects.toMatchObject({
      code: 'invalid_verification_token',
    });
    f.server.clock.advance(61_000);
    const other = await f.verificationToken({ phone_number: '+86 13800138002', usage: 'REGISTER' });
    await expect(
      codes.redeem(other, { usages: ['REGISTER'], clientId: 'another-client' }),
    ).rejects.toMatchObject({
      code: 'invalid_verification_token',
    });
    f.server.clock.advance(61_000);
    const good = await f.verificationToken({ phone_number: '+86 13800138002', usage: 'REGISTER' });
    await expect(
      codes.redeem(good, { usages: ['SIGN_IN', 'REGISTER'], clientId: ENV_ID }),
    ).resolves.toMatchObject({
      usage: 'REGISTER',
    });
  });

  it('a wrong code is invalid_verification_code (4001) and counts down', async () => {
    const sent = await send(f, { phone_number: '+86 13800138003' });
    const code = (await f.lastSmsCode('+86 13800138003')) ?? '';
    const wrong = code === '000000' ? '111111' : '000000';
    const answer = await f.inject('/auth/v1/verification/verify', {
      verification_id: sent.json.verification_id,
      verification_code: wrong,
    });
    expect(answer.statusCode).toBe(400);
    expect(answer.json).toMatchObject({ error: 'invalid_verification_code', error_code: 4001 });
    expect(answer.json.error_description).toContain('4 attempts left');
    const unknown = await f.inject('/auth/v1/verification/verify', {
      verification_id: 'AAAAAAAAAAAAAAAAAAAAAA',
      verification_code: code,
    });
    expect(unknown.json).toMatchObject({ error: 'invalid_verification_code' });
  });

  it('per-phone cap through HTTP: 5 codes an hour (past each cooldown), the 6th is 429 with Retry-After', async () => {
    for (let i = 0; i < 5; i += 1) {
      expect((await send(f, { phone_number: '+86 13800138004' })).statusCode).toBe(200);
      f.server.clock.advance(61_000);
    }
    const refused = await send(f, { phone_number: '+86 13800138004' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json).toMatchObject({ error: 'rate_limit_exceeded', error_code: 4029 });
    expect(refused.json.error_description).toContain('recipient');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(60);
    await f.server.app.lingpai.verification.settled();
    expect(f.sandbox.sms.messages({ to: '+8613800138004' })).toHaveLength(5);
  });

  it('per-IP cap through HTTP: 20 codes an hour from one address, then 429; another address still gets codes', async () => {
    const from = (i: number, remoteAddress: string) =>
      send(f, { phone_number: `+86 1390013${String(i).padStart(4, '0')}` }, { remoteAddress });
    for (let i = 0; i < 20; i += 1) expect((await from(i, '198.51.100.7')).statusCode).toBe(200);
    const refused = await from(20, '198.51.100.7');
    expect(refused.statusCode).toBe(429);
    expect(refused.json.error_description).toContain('ip');
    expect((await from(21, '198.51.100.8')).statusCode).toBe(200);
    await f.server.app.lingpai.verification.settled();
    expect(f.sandbox.sms.messages({ to: '+8613900130020' })).toHaveLength(0);
  });

  it('the cooldown is enforced through HTTP, and ends after 60 s', async () => {
    expect((await send(f, { phone_number: '+86 13800138005' })).statusCode).toBe(200);
    f.server.clock.advance(30_000);
    const early = await send(f, { phone_number: '+86 13800138005', usage: 'REGISTER' });
    expect(early.statusCode).toBe(429);
    expect(early.headers['retry-after']).toBe('30');
    f.server.clock.advance(30_000);
    expect((await send(f, { phone_number: '+86 13800138005' })).statusCode).toBe(200);
  });

  it('failover: Aliyun answering 503 sends through Tencent', async () => {
    f.sandbox.faults.set('aliyun', { status: 503, times: 1 });
    expect((await send(f, { phone_number: '+86 13800138006' })).statusCode).toBe(200);
    expect(await f.lastSmsCode('+86 13800138006')).toMatch(/^\d{6}$/);
    expect(f.sandbox.sms.last('+8613800138006')?.provider).toBe('tencent');
  });

  it('answers before delivery; when every provider fails the code is cancelled and the cooldown lifted', async () => {
    f.sandbox.faults.set('aliyun', { status: 503, times: 1 });
    f.sandbox.faults.set('tencent', { status: 503, times: 1 });
    const sent = await send(f, { phone_number: '+86 13800138007' });
    expect(sent.statusCode).toBe(200);
    expect(await f.lastSmsCode('+86 13800138007')).toBeUndefined();
    const dead = await f.inject('/auth/v1/verification/verify', {
      verification_id: sent.json.verification_id,
      verification_code: '123456',
    });
    expect(dead.json).toMatchObject({ error: 'invalid_verification_code' });
    // No cooldown left behind: the person may ask again at once, and this one arrives.
    expect((await send(f, { phone_number: '+86 13800138007' })).statusCode).toBe(200);
    expect(await f.lastSmsCode('+86 13800138007')).toMatch(/^\d{6}$/);
  });

  it('refuses bad input with the table’s codes', async () => {
    const bad = await send(f, { phone_number: '+86 123' });
    expect(bad.json).toMatchObject({ error: 'invalid_phone_number', error_code: 4001 });
    expect((await send(f, { email: 'not-an-email' })).json).toMatchObject({ error: 'invalid_email' });
    expect((await send(f, {})).json).toMatchObject({ error: 'invalid_request' });
    expect((await send(f, { phone_number: '+86 13800138008', email: 'a@example.com' })).json).toMatchObject({
      error: 'invalid_request',
    });
    expect((await send(f, { phone_number: '+86 13800138008', usage: 'LAUNCH' })).json).toMatchObject({
      error: 'invalid_request',
    });
    expect((await send(f, { phone_number: '+86 13800138008', target: 'EVERYONE' })).json).toMatchObject({
      error: 'invalid_request',
    });
    expect((await f.inject('/auth/v1/verification/verify', {})).json).toMatchObject({
      error: 'invalid_request',
    });
  });

  it('records verification_sent without the address', async () => {
    await send(f, { phone_number: '+86 13800138009', usage: 'PASSWORD_RESET' });
    await f.server.app.lingpai.audit.flush();
    const rows = await f.server.db.query<{ detail: Record<string, unknown>; client_id: string }>(
      "SELECT detail, client_id FROM audit_events WHERE kind = 'verification_sent'",
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((row) => row.detail.usage === 'PASSWORD_RESET' && row.detail.channel === 'sms')).toBe(
      true,
    );
    expect(JSON.stringify(rows)).not.toMatch(/13800138009|8613800138/);
  });
});
