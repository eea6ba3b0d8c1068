import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

describe.each(backends())('verification by SMS through the sandbox (%s)', (_name, backend) => {
  let f: VerificationFixture;
  beforeAll(async () => {
    f = await startServerWithSandbox(backend);
  });
  afterAll(async () => {
    await f?.close();
  });

  it('send → the code from the sandbox inbox → verify → redeem once', async () => {
    const sent = await f.inject('/auth/v1/verification', {
      phone_number: '+86 13800138000',
      target: 'ANY',
      usage: 'SIGN_IN',
    });
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

    const services = f.server.app.lingpai;
    await expect(
      services.verification.redeem(token, { usages: ['SIGN_IN'], clientId: 'test-env' }),
    ).resolves.toEqual({
      kind: 'phone',
      address: '+86 13800138000',
      usage: 'SIGN_IN',
    });
    await expect(
      services.verification.redeem(token, { usages: ['SIGN_IN'], clientId: 'test-env' }),
    ).rejects.toMatchObject({
      code: 'invalid_verification_token',
    });
  });
});
