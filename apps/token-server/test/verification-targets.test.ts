import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backends, ENV_ID } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

const USER = {
  username: 'lisi',
  password: 'Target-Pass-2026!',
  phoneNumber: '+86 13700137000',
  email: 'lisi@example.com',
};

async function signIn(f: VerificationFixture): Promise<string> {
  const response = await f.server.app.inject({
    method: 'POST',
    url: `/auth/v1/token?client_id=${ENV_ID}`,
    payload: { grant_type: 'password', username: USER.username, password: USER.password },
  });
  return (response.json() as { access_token: string }).access_token;
}

describe.each(backends())('targets, enumeration protection and captcha (%s)', (_name, backend) => {
  describe('enumeration protection off (CloudBase)', () => {
    let f: VerificationFixture;
    beforeAll(async () => {
      f = await startServerWithSandbox(backend, { smtp: false });
      await f.server.app.lingpai.users.create(USER);
    }, 120_000);
    afterAll(async () => {
      await f?.close();
    });
    afterEach(async () => {
      await f.server.app.lingpai.verification.settled();
      f.sandbox.sms.clear();
      f.server.clock.advance(86_400_000);
    });

    it('is_user says whether the number belongs to a user', async () => {
      const known = await f.inject('/auth/v1/verification', {
        phone_number: USER.phoneNumber,
        target: 'ANY',
      });
      expect(known.json.is_user).toBe(true);
      const unknown = await f.inject('/auth/v1/verification', {
        phone_number: '+86 13700137001',
        target: 'ANY',
      });
      expect(unknown.json.is_user).toBe(false);
    });

    it('USER for a stranger is user_not_found, NOT_USER for a user is user_already_exists; nothing is sent', async () => {
      const stranger = await f.inject('/auth/v1/verification', {
        phone_number: '+86 13700137002',
        target: 'USER',
      });
      expect(stranger.statusCode).toBe(404);
      expect(stranger.json).toMatchObject({ error: 'user_not_found', error_code: 4004 });
      const taken = await f.inject('/auth/v1/verification', {
        phone_number: USER.phoneNumber,
        target: 'NOT_USER',
      });
      expect(taken.statusCode).toBe(409);
      expect(taken.json).toMatchObject({ error: 'user_already_exists' });
      await f.server.app.lingpai.verification.settled();
      expect(f.sandbox.sms.messages({ to: '+8613700137002' })).toHaveLength(0);
      expect(f.sandbox.sms.messages({ to: '+8613700137000' })).toHaveLength(0);
      // A refusal counted nothing: the user may ask for a sign-in code at once.
      expect(
        (await f.inject('/auth/v1/verification', { phone_number: USER.phoneNumber, target: 'USER' }))
          .statusCode,
      ).toBe(200);
    });

    it("CUR_USER needs a Bearer token and the caller's own number; the token's client is bound", async () => {
      const none = await f.inject('/auth/v1/verification', {
        phone_number: USER.phoneNumber,
        target: 'CUR_USER',
      });
      expect(none.statusCode).toBe(401);
      const bearer = { authorization: `Bearer ${await signIn(f)}` };
      const other = await f.inject(
        '/auth/v1/verification',
        { phone_number: '+86 13700137003', target: 'CUR_USER' },
        { headers: bearer },
      );
      expect(other.json).toMatchObject({ error: 'permission_denied' });
      const token = await f.verificationToken({
        phone_number: '13700137000',
        target: 'CUR_USER',
        usage: 'SUDO',
        headers: bearer,
      });
      await expect(
        f.server.app.lingpai.verification.redeem(token, { usages: ['SUDO'], clientId: ENV_ID }),
      ).resolves.toEqual({ kind: 'phone', address: USER.phoneNumber, usage: 'SUDO' });
    });
  });

  describe('enumeration protection on, captcha required', () => {
    let f: VerificationFixture;
    const captcha = { 'x-captcha-token': 'solved' };
    beforeAll(async () => {
      f = await startServerWithSandbox(backend, {
        smtp: false,
        verification: { enumerationProtection: true, requireCaptcha: true },
        captchaVerifier: async (token) => token === 'solved',
      });
      await f.server.app.lingpai.users.create(USER);
    }, 120_000);
    afterAll(async () => {
      await f?.close();
    });
    afterEach(async () => {
      await f.server.app.lingpai.verification.settled();
      f.sandbox.sms.clear();
      f.server.clock.advance(86_400_000);
    });

    it('captcha_required (4028) without x-captcha-token or with a wrong one; nothing is counted', async () => {
      const missing = await f.inject('/auth/v1/verification', { phone_number: '+86 13700137010' });
      expect(missing.statusCode).toBe(429);
      expect(missing.json).toMatchObject({ error: 'captcha_required', error_code: 4028 });
      const wrong = await f.inject(
        '/auth/v1/verification',
        { phone_number: '+86 13700137010' },
        { headers: { 'x-captcha-token': 'guess' } },
      );
      expect(wrong.json).toMatchObject({ error: 'captcha_required' });
      const solved = await f.inject(
        '/auth/v1/verification',
        { phone_number: '+86 13700137010' },
        { headers: captcha },
      );
      expect(solved.statusCode).toBe(200);
    });

    it('a target mismatch answers exactly like a send (no is_user), sends nothing, and cools down the same', async () => {
      const real = await f.inject(
        '/auth/v1/verification',
        { phone_number: USER.phoneNumber, target: 'USER' },
        { headers: captcha },
      );
      const decoy = await f.inject(
        '/auth/v1/verification',
        { phone_number: '+86 13700137011', target: 'USER' },
        { headers: captcha },
      );
      expect(real.statusCode).toBe(200);
      expect(decoy.statusCode).toBe(200);
      expect(Object.keys(decoy.json).sort()).toEqual(Object.keys(real.json).sort());
      expect(decoy.json).not.toHaveProperty('is_user');
      expect(decoy.json).toMatchObject({ expires_in: 600, resend_after_seconds: 60 });
      await f.server.app.lingpai.verification.settled();
      expect(f.sandbox.sms.messages({ to: '+8613700137011' })).toHaveLength(0);
      expect(f.sandbox.sms.messages({ to: '+8613700137000' })).toHaveLength(1);
      // Asking again at once meets the same cooldown for both.
      for (const phone_number of [USER.phoneNumber, '+86 13700137011']) {
        const again = await f.inject(
          '/auth/v1/verification',
          { phone_number, target: 'USER' },
          { headers: captcha },
        );
        expect(again.json).toMatchObject({ error: 'rate_limit_exceeded' });
      }
      // The decoy's id verifies nothing.
      const guess = await f.inject('/auth/v1/verification/verify', {
        verification_id: decoy.json.verification_id,
        verification_code: '123456',
      });
      expect(guess.json).toMatchObject({ error: 'invalid_verification_code' });
    });

    it('NOT_USER for an existing user answers like a send and sends nothing', async () => {
      const taken = await f.inject(
        '/auth/v1/verification',
        { phone_number: USER.phoneNumber, target: 'NOT_USER', usage: 'REGISTER' },
        { headers: captcha },
      );
      expect(taken.statusCode).toBe(200);
      expect(taken.json).not.toHaveProperty('is_user');
      await f.server.app.lingpai.verification.settled();
      expect(f.sandbox.sms.messages({ to: '+8613700137000' })).toHaveLength(0);
    });
  });
});
