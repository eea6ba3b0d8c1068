import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, ENV_ID } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

describe.each(backends())('verification races (%s)', (_name, backend) => {
  let f: VerificationFixture;
  beforeAll(async () => {
    f = await startServerWithSandbox(backend, { smtp: false, verification: { maxAttempts: 100 } });
  }, 120_000);
  afterAll(async () => {
    await f?.close();
  });

  it('20 parallel redeems of one verification_token: exactly one succeeds', async () => {
    const token = await f.verificationToken({ phone_number: '+86 13600136000' });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        f.server.app.lingpai.verification.redeem(token, { usages: ['SIGN_IN'], clientId: ENV_ID }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused.every((r) => (r.reason as { code?: string }).code === 'invalid_verification_token')).toBe(
      true,
    );
  });

  it('100 parallel wrong guesses are counted exactly 100 times; then the right code is refused', async () => {
    f.server.clock.advance(3_600_000);
    const sent = await f.inject('/auth/v1/verification', { phone_number: '+86 13600136001', target: 'ANY' });
    const code = (await f.lastSmsCode('+86 13600136001')) ?? '';
    const wrong = code === '000000' ? '111111' : '000000';
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        f.inject('/auth/v1/verification/verify', {
          verification_id: sent.json.verification_id,
          verification_code: wrong,
        }),
      ),
    );
    expect(answers.every((a) => a.statusCode === 400 && a.json.error === 'invalid_verification_code')).toBe(
      true,
    );
    // Each guess saw its own count: 99, 98, … attempts left and one "request a new code".
    expect(new Set(answers.map((a) => a.json.error_description)).size).toBe(100);
    const [row] = await f.server.db.query<{ attempts: number }>('SELECT attempts FROM otp_codes');
    expect(Number(row?.attempts)).toBe(100);
    const late = await f.inject('/auth/v1/verification/verify', {
      verification_id: sent.json.verification_id,
      verification_code: code,
    });
    expect(late.json).toMatchObject({ error: 'invalid_verification_code' });
  });

  it('20 parallel right answers: exactly one verification_token', async () => {
    f.server.clock.advance(3_600_000);
    const sent = await f.inject('/auth/v1/verification', { phone_number: '+86 13600136002', target: 'ANY' });
    const code = await f.lastSmsCode('+86 13600136002');
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        f.inject('/auth/v1/verification/verify', {
          verification_id: sent.json.verification_id,
          verification_code: code,
        }),
      ),
    );
    expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
  });
});
