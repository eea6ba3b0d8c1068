// POST /auth/v1/signin with a verification_token: SMS through the sandbox, email through a real
// smtp-server, redeemed once; a verified address with no account answers user_not_found and leaves
// the same token good for one sign-up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANY_SENDS, postAs, tally } from './support/signin-support.js';
import { backends, type TestServer } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

describe.each(backends())('sign-in by verification code (%s)', (_name, backend) => {
  let fixture: VerificationFixture;
  let server: TestServer;

  beforeAll(async () => {
    fixture = await startServerWithSandbox(backend, { verification: MANY_SENDS });
    server = fixture.server;
  }, 120_000);
  afterAll(async () => fixture?.close());

  const userWithPhone = async (phoneNumber: string) =>
    (await server.app.lingpai.users.create({ phoneNumber })).sub;

  it('SMS code → verify → sign in, end to end; the token is single use', async () => {
    const sub = await userWithPhone('+86 13800138001');
    const token = await fixture.verificationToken({ phone_number: '13800138001', usage: 'SIGN_IN' });
    const first = await postAs(
      fixture,
      '/auth/v1/signin',
      { verification_token: token },
      { device: 'dev-code-1' },
    );
    expect(first.statusCode).toBe(200);
    expect(first.json).toMatchObject({ token_type: 'Bearer', scope: 'user', sub });
    const claims = server.app.lingpai.verifier.verify(first.json.access_token as string);
    const family = await server.db.query<{ amr: string[] }>(
      'SELECT amr FROM refresh_families WHERE id = $1',
      [claims?.sid],
    );
    expect(family[0]?.amr).toEqual(['sms']);
    const verified = await server.db.query<{ phone_number_verified: boolean }>(
      'SELECT phone_number_verified FROM users WHERE sub = $1',
      [sub],
    );
    expect(verified[0]?.phone_number_verified).toBe(true);
    const again = await postAs(
      fixture,
      '/auth/v1/signin',
      { verification_token: token },
      { device: 'dev-code-1' },
    );
    expect(again.json.error).toBe('invalid_verification_token');
  });

  it('email code through a real SMTP server', async () => {
    const sub = (await server.app.lingpai.users.create({ email: 'li.si@example.com' })).sub;
    const token = await fixture.verificationToken({ email: 'Li.Si@Example.com', usage: 'SIGN_IN' });
    const answer = await postAs(
      fixture,
      '/auth/v1/signin',
      { verification_token: token },
      { device: 'dev-code-2' },
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.json.sub).toBe(sub);
  });

  it('refuses a token of another usage (REGISTER) for sign-in', async () => {
    await userWithPhone('+86 13800138002');
    const token = await fixture.verificationToken({ phone_number: '13800138002', usage: 'REGISTER' });
    const answer = await postAs(
      fixture,
      '/auth/v1/signin',
      { verification_token: token },
      { device: 'dev-code-3' },
    );
    expect(answer.json.error).toBe('invalid_verification_token');
  });

  it('unknown address → user_not_found, then the same token signs up (once) and the new user signs in', async () => {
    const token = await fixture.verificationToken({ phone_number: '13800138003', usage: 'SIGN_IN' });
    const missing = await postAs(
      fixture,
      '/auth/v1/signin',
      { verification_token: token },
      { device: 'dev-code-4' },
    );
    expect(missing.statusCode).toBe(404);
    expect(missing.json.error).toBe('user_not_found');
    // The ticket is for this address only.
    const other = await postAs(
      fixture,
      '/auth/v1/signup',
      { phone_number: '+86 13800138099', verification_token: token },
      { device: 'dev-code-4' },
    );
    expect(other.json.error).toBe('invalid_verification_token');
    const signup = await postAs(
      fixture,
      '/auth/v1/signup',
      { phone_number: '+86 13800138003', verification_token: token },
      { device: 'dev-code-4' },
    );
    expect(signup.statusCode).toBe(200);
    const replay = await postAs(
      fixture,
      '/auth/v1/signup',
      { phone_number: '+86 13800138003', verification_token: token, username: 'another' },
      { device: 'dev-code-4' },
    );
    expect(replay.json.error).toBe('user_already_exists');
    const next = await fixture.verificationToken({ phone_number: '13800138003', usage: 'SIGN_IN' });
    const signin = await postAs(
      fixture,
      '/auth/v1/signin',
      { verification_token: next },
      { device: 'dev-code-4' },
    );
    expect(signin.json.sub).toBe(signup.json.sub);
  });

  it('20 parallel redemptions of one token → exactly one session', async () => {
    const sub = await userWithPhone('+86 13800138004');
    const token = await fixture.verificationToken({ phone_number: '13800138004', usage: 'SIGN_IN' });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postAs(fixture, '/auth/v1/signin', { verification_token: token }, { device: `dev-race-${i}` }),
      ),
    );
    expect(tally(answers)).toEqual({ ok: 1, errors: ['invalid_verification_token'] });
    const families = await server.db.query('SELECT id FROM refresh_families WHERE user_sub = $1', [sub]);
    expect(families.length).toBe(1);
  });

  it('refuses a blocked user (status set in the database)', async () => {
    const sub = await userWithPhone('+86 13800138005');
    await server.db.query("UPDATE users SET status = 'BLOCKED' WHERE sub = $1", [sub]);
    const token = await fixture.verificationToken({ phone_number: '13800138005', usage: 'SIGN_IN' });
    const answer = await postAs(
      fixture,
      '/auth/v1/signin',
      { verification_token: token },
      { device: 'dev-code-6' },
    );
    expect(answer.json.error).toBe('user_blocked');
    const families = await server.db.query('SELECT id FROM refresh_families WHERE user_sub = $1', [sub]);
    expect(families.length).toBe(0);
  });
});
