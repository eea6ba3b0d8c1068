// A third adversary's review, of the user side (verification, sign-in, sign-up, reset, social, the
// user's own endpoints): one test per attack, named after it. Those marked "fixed" failed on the
// code before the fix; the rest pin what held.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TYPES } from '../src/clients/client.js';
import { MANY_SENDS, postAs, tally } from './support/signin-support.js';
import { backends, ENV_ID } from './support/test-app.js';
import { callUser, issueTokens, sudoByPassword } from './support/user-fixture.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

const PASSWORD = 'Attack-Review-9';
const JUNK_TOKEN = 'A'.repeat(43);

describe.each(backends())('user-side attack review on %s', (_name, backend) => {
  let f: VerificationFixture;
  let counter = 0;

  beforeAll(async () => {
    f = await startServerWithSandbox(backend, {
      verification: { ...MANY_SENDS, enumerationProtection: true },
    });
    await f.server.addClient({
      id: 'third-party',
      kind: 'confidential',
      grantTypes: [GRANT_TYPES.authorizationCode, GRANT_TYPES.refreshToken],
      scopes: ['openid', 'profile', 'user'],
      redirectUris: ['https://third.example.com/cb'],
    });
  }, 120_000);
  afterAll(async () => f?.close());

  const phoneOf = (n: number) => `+86 1370013${String(7000 + n).padStart(4, '0')}`;
  async function freshUser(extra: { password?: boolean } = {}) {
    counter += 1;
    const phone = phoneOf(counter);
    const email = `victim${counter}@example.com`;
    const user = await f.server.app.lingpai.users.create({
      username: `victim${counter}`,
      phoneNumber: phone,
      email,
      ...(extra.password === false ? {} : { password: PASSWORD }),
    });
    return { sub: user.sub, phone, email, username: `victim${counter}` };
  }
  const freePhone = () => {
    counter += 1;
    return phoneOf(counter);
  };

  it('fixed: sign-up enumeration — a made-up verification_token with a taken phone answers like one with a free phone (protection on)', async () => {
    const victim = await freshUser();
    const taken = await postAs(f, '/auth/v1/signup', {
      phone_number: victim.phone,
      verification_token: JUNK_TOKEN,
    });
    const free = await postAs(f, '/auth/v1/signup', {
      phone_number: freePhone(),
      verification_token: JUNK_TOKEN,
    });
    expect(free.json.error).toBe('invalid_verification_token');
    expect({ status: taken.statusCode, error: taken.json.error }).toEqual({
      status: free.statusCode,
      error: free.json.error,
    });
    // The same for email.
    const takenEmail = await postAs(f, '/auth/v1/signup', {
      email: victim.email,
      verification_token: JUNK_TOKEN,
    });
    expect(takenEmail.json.error).toBe('invalid_verification_token');
  });

  it('fixed: an anonymous caller with a made-up token and a victim’s phone records no anonymous_sub hand-off to the victim (protection on)', async () => {
    const victim = await freshUser();
    const anon = await postAs(f, '/auth/v1/signin/anonymously', {}, { device: 'attacker-device' });
    expect(anon.statusCode, JSON.stringify(anon.json)).toBe(200);
    const refused = await postAs(
      f,
      '/auth/v1/signup',
      { phone_number: victim.phone, verification_token: JUNK_TOKEN },
      { device: 'attacker-device', bearer: anon.json.access_token as string },
    );
    expect(refused.json.error).toBe('invalid_verification_token');
    const handoffs = await f.server.db.query('SELECT 1 FROM anonymous_handoffs WHERE target_sub = $1', [
      victim.sub,
    ]);
    expect(handoffs).toHaveLength(0);
  });

  it('sign-up with a real code for a taken phone still answers user_already_exists (protection on: the owner proved it)', async () => {
    const victim = await freshUser();
    const token = await f.verificationToken({ phone_number: victim.phone, usage: 'SIGN_IN' });
    const answer = await postAs(f, '/auth/v1/signup', {
      phone_number: victim.phone,
      verification_token: token,
    });
    expect(answer.statusCode).toBe(409);
    expect(answer.json.error).toBe('user_already_exists');
  });

  it('fixed: forgot-password enumeration — a made-up verification_token for a known and an unknown address answer alike (protection on)', async () => {
    const victim = await freshUser();
    const known = await postAs(f, '/auth/v1/reset', {
      email: victim.email,
      new_password: 'New-Pass-123',
      verification_token: JUNK_TOKEN,
    });
    const unknown = await postAs(f, '/auth/v1/reset', {
      email: `nobody-${counter}@example.com`,
      new_password: 'New-Pass-123',
      verification_token: JUNK_TOKEN,
    });
    expect(known.json.error).toBe('invalid_verification_token');
    expect({ status: unknown.statusCode, error: unknown.json.error }).toEqual({
      status: known.statusCode,
      error: known.json.error,
    });
    // A real reset still works and still ends every session.
    const token = await f.verificationToken({ email: victim.email, usage: 'PASSWORD_RESET' });
    const session = await issueTokens(f.server, victim.sub);
    const done = await postAs(f, '/auth/v1/reset', {
      email: victim.email,
      new_password: 'New-Pass-123',
      verification_token: token,
    });
    expect(done.statusCode, JSON.stringify(done.json)).toBe(200);
    const me = await callUser(f.server, 'GET', '/auth/v1/user/me', session.access_token);
    expect(me.status).toBe(401);
    const replay = await postAs(f, '/auth/v1/reset', {
      email: victim.email,
      new_password: 'Other-Pass-456',
      verification_token: token,
    });
    expect(replay.json.error).toBe('invalid_verification_token');
  });

  it('forgot password for an address with no account, with a real code for it, answers user_not_found (protection on)', async () => {
    counter += 1;
    const email = `free-${counter}@example.com`;
    const token = await f.verificationToken({ email, usage: 'PASSWORD_RESET' });
    const answer = await postAs(f, '/auth/v1/reset', {
      email,
      new_password: 'New-Pass-123',
      verification_token: token,
    });
    expect(answer.json.error).toBe('user_not_found');
  });

  it('fixed: a third-party app’s token with the user scope cannot manage the account (sudo, password, profile, contact, sessions, providers, delete)', async () => {
    const victim = await freshUser();
    const stolen = await issueTokens(f.server, victim.sub, { clientId: 'third-party', scope: ['user'] });
    const calls: Array<[Parameters<typeof callUser>[1], string, unknown]> = [
      ['GET', '/auth/v1/user/me', undefined],
      ['POST', '/auth/v1/user/sudo', { password: PASSWORD }],
      ['PATCH', '/auth/v1/user/password', { old_password: PASSWORD, new_password: 'Owned-Pass-1' }],
      ['PATCH', '/auth/v1/user/profile', { name: 'owned' }],
      ['PATCH', '/auth/v1/user/contact', { phone_number: freePhone(), verification_token: JUNK_TOKEN }],
      ['GET', '/auth/v1/user/sessions', undefined],
      ['DELETE', '/auth/v1/user/revoke/all', undefined],
      ['GET', '/auth/v1/user/provider', undefined],
      ['POST', '/auth/v1/user/provider/bind', { provider_token: JUNK_TOKEN }],
      ['DELETE', '/auth/v1/user/me', undefined],
    ];
    for (const [method, url, payload] of calls) {
      const answer = await callUser(f.server, method, url, stolen.access_token, payload);
      expect({ url, method, status: answer.status, error: answer.body.error }).toEqual({
        url,
        method,
        status: 403,
        error: 'permission_denied',
      });
    }
    // The password is unchanged and the user's own app still works.
    const own = await issueTokens(f.server, victim.sub);
    expect((await callUser(f.server, 'GET', '/auth/v1/user/me', own.access_token)).status).toBe(200);
    expect(await sudoByPassword(f.server, own.access_token, PASSWORD)).toMatch(/^lpsudo\./);
  });

  it('two parallel unbinds of the last two sign-in methods leave one', async () => {
    const bare = await f.server.app.lingpai.users.create({});
    const now = new Date(f.server.clock.now());
    for (const [platform, provider] of [
      ['github', 'github'],
      ['google', 'google'],
    ])
      await f.server.db.query(
        `INSERT INTO user_identities (platform, subject, user_sub, provider_id, open_ids, created_at, updated_at)
         VALUES ($1, $2, $3, $4, '{}'::jsonb, $5, $5)`,
        [platform, `${platform}-${bare.sub}`, bare.sub, provider, now],
      );
    const tokens = await issueTokens(f.server, bare.sub);
    const answers = await Promise.all(
      ['github', 'google', 'github', 'google'].map((id) =>
        callUser(f.server, 'DELETE', `/auth/v1/user/provider/${id}`, tokens.access_token),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    const left = await f.server.db.query('SELECT 1 FROM user_identities WHERE user_sub = $1', [bare.sub]);
    expect(left).toHaveLength(1);
  });

  it('a sudo_token minted in one session is refused in another session of the same user, and a refused use does not burn it', async () => {
    const victim = await freshUser();
    const mine = await issueTokens(f.server, victim.sub);
    const other = await issueTokens(f.server, victim.sub);
    const sudo = await sudoByPassword(f.server, mine.access_token, PASSWORD);
    const elsewhere = await callUser(f.server, 'PATCH', '/auth/v1/user/password', other.access_token, {
      sudo_token: sudo,
      new_password: 'Elsewhere-Pass-1',
    });
    expect(elsewhere.body.error).toBe('sudo_required');
    const here = await callUser(f.server, 'PATCH', '/auth/v1/user/password', mine.access_token, {
      sudo_token: sudo,
      new_password: 'Here-Pass-123',
    });
    expect(here.status, JSON.stringify(here.body)).toBe(200);
  });

  it('a verification_token of one client is refused by another first-party client, and of one usage for another', async () => {
    const victim = await freshUser();
    await f.server.addClient({
      id: 'second-app',
      kind: 'public',
      grantTypes: [GRANT_TYPES.password, GRANT_TYPES.refreshToken],
      scopes: ['user'],
      firstParty: true,
    });
    const token = await f.verificationToken({ phone_number: victim.phone, usage: 'SIGN_IN' });
    const crossClient = await f.inject('/auth/v1/signin?client_id=second-app', { verification_token: token });
    expect(crossClient.json.error).toBe('invalid_verification_token');
    const reset = await f.verificationToken({ email: victim.email, usage: 'PASSWORD_RESET' });
    const asSignIn = await postAs(f, '/auth/v1/signin', { verification_token: reset });
    expect(asSignIn.json.error).toBe('invalid_verification_token');
  });

  it('twenty parallel sign-ins with one verification_token: one session', async () => {
    const victim = await freshUser();
    const token = await f.verificationToken({ phone_number: victim.phone, usage: 'SIGN_IN' });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => postAs(f, '/auth/v1/signin', { verification_token: token })),
    );
    expect(tally(answers)).toEqual({ ok: 1, errors: ['invalid_verification_token'] });
  });

  it('contact change by a stolen access token alone is refused: a sudo_token is needed and the code is kept', async () => {
    const victim = await freshUser();
    const stolen = await issueTokens(f.server, victim.sub);
    const target = freePhone();
    const token = await f.verificationToken({ phone_number: target, usage: 'PHONE_NUMBER_CHANGE' });
    const refused = await callUser(f.server, 'PATCH', '/auth/v1/user/contact', stolen.access_token, {
      phone_number: target,
      verification_token: token,
    });
    expect(refused.body.error).toBe('sudo_required');
    const me = await callUser(f.server, 'GET', '/auth/v1/user/me', stolen.access_token);
    expect(me.body.phone_number).toBe(victim.phone);
  });

  it('__proto__, NUL, huge and odd-unicode fields in the new bodies answer the error shape, never 5xx', async () => {
    const victim = await freshUser();
    const own = await issueTokens(f.server, victim.sub);
    const odd = [
      '{"__proto__":{"admin":true},"phone_number":"+86 13700130000","verification_token":"x"}',
      '{"constructor":{"prototype":{"x":1}},"email":"a@b.c","verification_token":"x"}',
      JSON.stringify({ phone_number: '+86 1\u0000370013', verification_token: 'x' }),
      JSON.stringify({ email: '"quoted local"@example.com', verification_token: 'x' }),
      JSON.stringify({ email: 'a@b.c', verification_token: 'x'.repeat(100_000) }),
      JSON.stringify({ phone_number: '+٨٦ ١٣٨٠٠١٣٨٠٠٠', verification_token: 'x' }),
      JSON.stringify({ phone_number: '+86 13800138000;ext=1', verification_token: 'x' }),
      JSON.stringify({ phone_number: '+999 1', verification_token: 'x' }),
    ];
    for (const url of ['/auth/v1/signup', '/auth/v1/reset', '/auth/v1/signin', '/auth/v1/verification']) {
      for (const payload of odd) {
        const answer = await f.server.app.inject({
          method: 'POST',
          url: `${url}?client_id=${ENV_ID}`,
          headers: { 'content-type': 'application/json' },
          payload,
        });
        expect(answer.statusCode, `${url} ${payload.slice(0, 80)}`).toBeLessThan(500);
        // Arabic-Indic digits are the same number to the parser (+86 13800138000): a send may succeed.
        if (answer.statusCode !== 200)
          expect(typeof answer.json().error, `${url} ${answer.body}`).toBe('string');
      }
    }
    for (const payload of odd) {
      const answer = await f.server.app.inject({
        method: 'PATCH',
        url: '/auth/v1/user/contact',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${own.access_token}` },
        payload,
      });
      expect(answer.statusCode, payload.slice(0, 80)).toBeLessThan(500);
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});
