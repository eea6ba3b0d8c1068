// POST /auth/v1/signup: a verified phone or email, optional username (unique after NFKC and case
// folding) and password (under the configured policy); every refusal comes before the token is
// spent; 20 parallel sign-ups with one token make one user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePasswordPolicy } from '../src/users/password-policy-config.js';
import { MANY_SENDS, postAs, tally } from './support/signin-support.js';
import { backends, type TestServer } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

describe.each(backends())('POST /auth/v1/signup (%s)', (_name, backend) => {
  let fixture: VerificationFixture;
  let server: TestServer;

  beforeAll(async () => {
    fixture = await startServerWithSandbox(backend, {
      verification: MANY_SENDS,
      passwordPolicy: { minLength: 10 },
    });
    server = fixture.server;
  }, 120_000);
  afterAll(async () => fixture?.close());

  const register = (phone: string) => fixture.verificationToken({ phone_number: phone, usage: 'REGISTER' });
  const signUp = (body: Record<string, unknown>, device = 'dev-signup') =>
    postAs(fixture, '/auth/v1/signup', body, { device });

  it('signs up with phone, username, password and profile, then signs in with the password', async () => {
    const token = await register('13900139001');
    const answer = await signUp({
      phone_number: '+86 13900139001',
      verification_token: token,
      username: 'Zhang_San',
      password: 'Sign-up-123',
      name: '张三',
      gender: 'MALE',
      picture: 'https://cdn.example.com/a.png',
      locale: 'zh-CN',
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.json).toMatchObject({ token_type: 'Bearer', scope: 'user', expires_in: 7200 });
    const rows = await server.db.query<Record<string, unknown>>('SELECT * FROM users WHERE sub = $1', [
      answer.json.sub,
    ]);
    expect(rows[0]).toMatchObject({
      username: 'zhang_san',
      username_display: 'Zhang_San',
      phone_number: '+86 13900139001',
      phone_number_verified: true,
      name: '张三',
      gender: 'MALE',
      picture: 'https://cdn.example.com/a.png',
      locale: 'zh-CN',
      is_anonymous: false,
    });
    const audit = await server.db.query("SELECT 1 FROM audit_events WHERE kind = 'signup' AND sub = $1", [
      answer.json.sub,
    ]);
    expect(audit.length).toBe(1);
    const signin = await postAs(
      fixture,
      '/auth/v1/signin',
      { username: 'ZHANG_SAN', password: 'Sign-up-123' },
      { device: 'dev-signup' },
    );
    expect(signin.json.sub).toBe(answer.json.sub);
  });

  it('usernames are unique after NFKC and case folding; a refusal spends nothing', async () => {
    const first = await signUp({
      phone_number: '13900139002',
      verification_token: await register('13900139002'),
      username: 'lisi',
    });
    expect(first.statusCode).toBe(200);
    const token = await register('13900139003');
    for (const username of ['LISI', 'ｌｉｓｉ', 'Ｌisi']) {
      const taken = await signUp({ phone_number: '13900139003', verification_token: token, username });
      expect(taken.statusCode, username).toBe(409);
      expect(taken.json.error).toBe('username_already_exists');
    }
    // The same token still works: nothing was spent on the refusals.
    const ok = await signUp({ phone_number: '13900139003', verification_token: token, username: 'lisi2' });
    expect(ok.statusCode).toBe(200);
  });

  it('enforces the configured password policy before spending the token', async () => {
    const token = await register('13900139004');
    for (const password of ['Short-1', 'alllowercaseletters', '13900139004']) {
      const refused = await signUp({ phone_number: '13900139004', verification_token: token, password });
      expect(refused.json.error, password).toBe('invalid_password');
    }
    const ok = await signUp({
      phone_number: '13900139004',
      verification_token: token,
      password: 'Long-enough-1',
    });
    expect(ok.statusCode).toBe(200);
    expect(() => resolvePasswordPolicy({ minLenght: 8 })).toThrow(/unknown field "minLenght"/);
    expect(() => resolvePasswordPolicy({ minLength: 0 })).toThrow(/minLength must be a positive integer/);
    expect(() => resolvePasswordPolicy({ minLength: 20, maxLength: 10 })).toThrow(/cannot exceed/);
  });

  it('refuses username + password alone, bad fields, and a contact that already has an account', async () => {
    const alone = await signUp({ username: 'wangwu', password: 'Long-enough-1' });
    expect(alone.json.error).toBe('invalid_request');
    const token = await register('13900139005');
    const badFields: Array<Record<string, string>> = [
      { gender: 'OTHER' },
      { picture: 'http://cdn.example.com/a.png' },
      { picture: 'javascript:alert(1)' },
      { locale: 'not a locale' },
      { username: 'has space' },
      { username: '+8613900139005' },
      // Full-width digits fold to digits: still shaped like a phone number.
      { username: '１３９００１３９００５' },
      { username: 'someone＠example.com' },
    ];
    for (const fields of badFields) {
      const refused = await signUp({ phone_number: '13900139005', verification_token: token, ...fields });
      expect(refused.json.error, JSON.stringify(fields)).toBe('invalid_request');
    }
    const noContact = await signUp({ verification_token: token });
    expect(noContact.json.error).toBe('invalid_request');
    expect((await signUp({ phone_number: '13900139005', verification_token: token })).statusCode).toBe(200);
    const twice = await signUp({
      phone_number: '+86 139 0013 9005',
      verification_token: await register('13900139005'),
    });
    expect(twice.statusCode).toBe(409);
    expect(twice.json.error).toBe('user_already_exists');
  });

  it('refuses a token that proves another address', async () => {
    const token = await register('13900139006');
    const answer = await signUp({ phone_number: '13900139007', verification_token: token });
    expect(answer.json.error).toBe('invalid_verification_token');
  });

  it('20 parallel sign-ups with one token → exactly one user', async () => {
    const token = await register('13900139008');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        signUp(
          { phone_number: '13900139008', verification_token: token, username: `racer${i}` },
          `dev-race-${i}`,
        ),
      ),
    );
    expect(tally(answers).ok).toBe(1);
    for (const error of tally(answers).errors)
      expect(['invalid_verification_token', 'user_already_exists']).toContain(error);
    const users = await server.db.query("SELECT sub FROM users WHERE phone_number = '+86 13900139008'");
    expect(users.length).toBe(1);
    const racers = await server.db.query("SELECT sub FROM users WHERE username LIKE 'racer%'");
    expect(racers.length).toBe(1);
  });
});
