// A third adversary's review, of the user side (verification, sign-in, sign-up, reset, social, the
// user's own endpoints): one test per attack, named after it. Those marked "fixed" failed on the
// code before the fix; the rest pin what held.
import { createManualClock } from '@lingpai/auth-core';
import { createSandbox, type Sandbox } from '@lingpai/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TYPES } from '../src/clients/client.js';
import { MANY_SENDS, postAs, tally } from './support/signin-support.js';
import {
  APP_REDIRECT_URI,
  cloudbaseCall,
  platformCallback,
  providerToken,
  SOCIAL_CLIENT,
  sandboxServerOptions,
} from './support/social-sandbox.js';
import { backends, ENV_ID, startTestServer, type TestServer } from './support/test-app.js';
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

  it('fixed: a third-party app’s token cannot make the server text the user a code (target CUR_USER), nor can a blocked user’s live token', async () => {
    const victim = await freshUser();
    const sent = () => f.sandbox.sms.messages({}).length;
    await f.server.app.lingpai.verification.settled();
    const before = sent();
    const send = (token: string) =>
      f.inject(
        '/auth/v1/verification',
        { phone_number: victim.phone, target: 'CUR_USER', usage: 'SUDO' },
        { headers: { authorization: `Bearer ${token}` } },
      );
    const thirdParty = await issueTokens(f.server, victim.sub, { clientId: 'third-party', scope: ['user'] });
    expect((await send(thirdParty.access_token)).json.error).toBe('permission_denied');
    const own = await issueTokens(f.server, victim.sub);
    await f.server.db.query(`UPDATE users SET status = 'BLOCKED' WHERE sub = $1`, [victim.sub]);
    expect((await send(own.access_token)).json.error).toBe('user_blocked');
    await f.server.app.lingpai.verification.settled();
    expect(sent()).toBe(before);
  });

  it('fixed: contact-change enumeration — a signed-in attacker with a made-up token learns nothing about whose phone or email is taken (protection on)', async () => {
    const victim = await freshUser();
    const attacker = await freshUser();
    const session = await issueTokens(f.server, attacker.sub);
    const probe = (body: Record<string, string>) =>
      callUser(f.server, 'PATCH', '/auth/v1/user/contact', session.access_token, {
        verification_token: JUNK_TOKEN,
        ...body,
      });
    const taken = await probe({ phone_number: victim.phone });
    const free = await probe({ phone_number: freePhone() });
    expect({ status: taken.status, error: taken.body.error }).toEqual({
      status: free.status,
      error: free.body.error,
    });
    const takenEmail = await probe({ email: victim.email });
    expect(takenEmail.body.error).toBe(free.body.error);
  });

  it('two users racing to move their accounts onto one new phone: one wins, the other is user_already_exists', async () => {
    const a = await freshUser();
    const b = await freshUser();
    const target = freePhone();
    const tokenA = await f.verificationToken({ phone_number: target, usage: 'PHONE_NUMBER_CHANGE' });
    const tokenB = await f.verificationToken({ phone_number: target, usage: 'PHONE_NUMBER_CHANGE' });
    const sessionA = await issueTokens(f.server, a.sub);
    const sessionB = await issueTokens(f.server, b.sub);
    const sudoA = await sudoByPassword(f.server, sessionA.access_token, PASSWORD);
    const sudoB = await sudoByPassword(f.server, sessionB.access_token, PASSWORD);
    const answers = await Promise.all([
      callUser(f.server, 'PATCH', '/auth/v1/user/contact', sessionA.access_token, {
        phone_number: target,
        verification_token: tokenA,
        sudo_token: sudoA,
      }),
      callUser(f.server, 'PATCH', '/auth/v1/user/contact', sessionB.access_token, {
        phone_number: target,
        verification_token: tokenB,
        sudo_token: sudoB,
      }),
    ]);
    expect(answers.map((x) => x.status).sort()).toEqual([200, 409]);
    const holders = await f.server.db.query('SELECT 1 FROM users WHERE phone_number = $1', [target]);
    expect(holders).toHaveLength(1);
  });

  it('a blocked user is refused on every user-side path: code sign-in, password sign-in, live token, sudo', async () => {
    const victim = await freshUser();
    const live = await issueTokens(f.server, victim.sub);
    const code = await f.verificationToken({ phone_number: victim.phone, usage: 'SIGN_IN' });
    await f.server.db.query(`UPDATE users SET status = 'BLOCKED' WHERE sub = $1`, [victim.sub]);
    expect((await postAs(f, '/auth/v1/signin', { verification_token: code })).json.error).toBe(
      'user_blocked',
    );
    const byPassword = await postAs(f, '/auth/v1/signin', { username: victim.username, password: PASSWORD });
    expect(byPassword.json.error).toBe('user_blocked');
    expect((await callUser(f.server, 'GET', '/auth/v1/user/me', live.access_token)).body.error).toBe(
      'user_blocked',
    );
    const sudo = await callUser(f.server, 'POST', '/auth/v1/user/sudo', live.access_token, {
      password: PASSWORD,
    });
    expect(sudo.body.error).toBe('user_blocked');
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

describe.each(backends())('user-side attack review, social login, on %s', (_name, backend) => {
  let sandbox: Sandbox;
  let server: TestServer;
  const THIRD = 'third-party-social';

  beforeAll(async () => {
    // One clock for both, so the platforms' ID tokens are fresh to the server.
    const clock = createManualClock(Date.parse('2026-12-01T00:00:00Z'));
    sandbox = await createSandbox({ clock });
    server = await startTestServer(backend, { clock, ...sandboxServerOptions(await sandbox.listen()) });
    for (const [id, firstParty] of [
      [SOCIAL_CLIENT, true],
      ['other-app', true],
      [THIRD, false],
    ] as const)
      await server.addClient({
        id,
        kind: 'public',
        grantTypes: ['refresh_token'],
        scopes: ['user', 'openid'],
        defaultScopes: ['user'],
        redirectUris: [APP_REDIRECT_URI],
        firstParty,
      });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await sandbox?.close();
  });

  const signUpWith = async (token: string, deviceId: string) => {
    const answer = await cloudbaseCall(server.app, 'POST', '/auth/v1/signup', {
      deviceId,
      body: { provider_token: token },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return String(answer.body.sub);
  };
  const signInWith = (
    token: string,
    deviceId: string,
    extra: { clientId?: string; providerId?: string } = {},
  ) =>
    cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
      deviceId,
      ...(extra.clientId === undefined ? {} : { clientId: extra.clientId }),
      body: {
        provider_token: token,
        ...(extra.providerId === undefined ? {} : { provider_id: extra.providerId }),
      },
    });

  it('fixed: a third-party app cannot sign a platform user in through /auth/v1/signin/with/provider (that would skip the consent screen)', async () => {
    const sub = await signUpWith(
      await providerToken(server.app, { providerId: 'github', user: 'alice', deviceId: 'd1' }),
      'd1',
    );
    const token = await providerToken(server.app, {
      providerId: 'github',
      user: 'alice',
      deviceId: 'third-device',
      clientId: THIRD,
    });
    const answer = await signInWith(token, 'third-device', { clientId: THIRD });
    expect(answer.body.error).toBe('unauthorized_client');
    expect(answer.body.sub).toBeUndefined();
    const families = await server.db.query(
      'SELECT 1 FROM refresh_families WHERE user_sub = $1 AND client_id = $2',
      [sub, THIRD],
    );
    expect(families).toHaveLength(0);
  });

  it('redirect_uri tricks are refused: prefix, path traversal, case, userinfo@host, trailing slash, query, fragment', async () => {
    const tricks = [
      `${APP_REDIRECT_URI}/evil`,
      `${APP_REDIRECT_URI}/../evil`,
      APP_REDIRECT_URI.replace('callback', 'CALLBACK'),
      'http://127.0.0.1:7999@evil.example/callback',
      'http://evil.example@127.0.0.1:7999/callback',
      `${APP_REDIRECT_URI}/`,
      `${APP_REDIRECT_URI}?next=https://evil.example`,
      `${APP_REDIRECT_URI}#x`,
      APP_REDIRECT_URI.replace('127.0.0.1', '127.0.0.1.evil.example'),
      APP_REDIRECT_URI.replace('callback', 'callbac%6B'),
    ];
    for (const redirectUri of tricks) {
      const query = new URLSearchParams({ provider_id: 'github', redirect_uri: redirectUri });
      const answer = await cloudbaseCall(server.app, 'GET', `/auth/v1/provider/uri?${query}`, {
        deviceId: 'd2',
      });
      expect({ redirectUri, status: answer.status }).toEqual({ redirectUri, status: 400 });
    }
  });

  it('a provider_token tried from another device, another client or as another platform is refused, and stays good for its own device', async () => {
    const token = await providerToken(server.app, {
      providerId: 'github',
      user: 'bob',
      deviceId: 'bob-phone',
    });
    expect((await signInWith(token, 'attacker-laptop')).body.error).toBe('invalid_provider_token');
    expect((await signInWith(token, 'bob-phone', { clientId: 'other-app' })).body.error).toBe(
      'invalid_provider_token',
    );
    expect((await signInWith(token, 'bob-phone', { providerId: 'google' })).body.error).toBe(
      'invalid_provider_token',
    );
    const bindElsewhere = await cloudbaseCall(server.app, 'POST', '/auth/v1/signup', {
      deviceId: 'attacker-laptop',
      body: { provider_token: token },
    });
    expect(bindElsewhere.body.error).toBe('invalid_provider_token');
    // The victim's own use still works: no failed attempt burnt it.
    expect((await signInWith(token, 'bob-phone')).body.error).toBe('user_not_found');
    await signUpWith(token, 'bob-phone');
  });

  it('a platform callback code exchanged on another device is refused (no login CSRF / state fixation), and the pending login stays for its device', async () => {
    const { code, state } = await platformCallback(server.app, {
      providerId: 'google',
      user: 'carol',
      deviceId: 'carol-phone',
    });
    const exchange = (deviceId: string) =>
      cloudbaseCall(server.app, 'POST', '/auth/v1/provider/token', {
        deviceId,
        body: {
          provider_id: 'google',
          provider_code: code,
          provider_redirect_uri: APP_REDIRECT_URI,
          ...(state === undefined ? {} : { state }),
        },
      });
    expect((await exchange('attacker-laptop')).status).toBe(400);
    const own = await exchange('carol-phone');
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expect((await exchange('carol-phone')).status).toBe(400); // single use
  });

  it('a platform’s email never links accounts: alice@example.com owning an account does not make alice’s Google login hers', async () => {
    const owner = await server.app.lingpai.users.create({ email: 'alice@example.com', password: PASSWORD });
    const token = await providerToken(server.app, { providerId: 'google', user: 'alice', deviceId: 'd5' });
    expect((await signInWith(token, 'd5')).body.error).toBe('user_not_found');
    const sub = await signUpWith(token, 'd5');
    expect(sub).not.toBe(owner.sub);
    expect((await server.app.lingpai.users.findBySub(sub))?.email).toBeNull();
  });

  it('binding a platform account another user holds is provider_already_bound, and the provider_token is kept', async () => {
    const victim = await server.app.lingpai.users.create({ username: 'bind-victim', password: PASSWORD });
    const attacker = await server.app.lingpai.users.create({ username: 'bind-attacker', password: PASSWORD });
    const victimSession = await issueTokens(server, victim.sub, { clientId: SOCIAL_CLIENT, deviceId: 'v' });
    const bound = await callUser(
      server,
      'POST',
      '/auth/v1/user/provider/bind',
      victimSession.access_token,
      {
        provider_token: await providerToken(server.app, { providerId: 'qq', user: 'alice', deviceId: 'v' }),
      },
      { headers: { 'x-device-id': 'v' } },
    );
    expect(bound.status, JSON.stringify(bound.body)).toBe(200);
    const attackerSession = await issueTokens(server, attacker.sub, {
      clientId: SOCIAL_CLIENT,
      deviceId: 'a',
    });
    const token = await providerToken(server.app, { providerId: 'qq', user: 'alice', deviceId: 'a' });
    const stolen = await callUser(
      server,
      'POST',
      '/auth/v1/user/provider/bind',
      attackerSession.access_token,
      {
        provider_token: token,
      },
      { headers: { 'x-device-id': 'a' } },
    );
    expect(stolen.body.error).toBe('provider_already_bound');
    expect((await signInWith(token, 'a')).body.sub).toBe(victim.sub);
  });
});

describe.each(backends())('user-side attack review, SMS pumping and IDOR, on %s', (_name, backend) => {
  let f: VerificationFixture;

  beforeAll(async () => {
    // The verification caps as shipped (no MANY_SENDS): what a botnet meets.
    f = await startServerWithSandbox(backend, {
      smtp: false,
      limits: { anonymousSignInsPerIp: 2 },
    });
  }, 120_000);
  afterAll(async () => f?.close());

  const send = (phone: string, ip: string) =>
    f.inject(
      `/auth/v1/verification?client_id=${ENV_ID}`,
      { phone_number: phone, target: 'ANY' },
      { remoteAddress: ip },
    );

  it('SMS pumping from one IPv6 /56 spread over many /64s is capped (40 an hour), whatever the numbers', async () => {
    const answers = [];
    for (let i = 0; i < 42; i++) {
      const ip = `2001:db8:77:${(i % 256).toString(16)}::1`; // one /56 (2001:db8:77:00xx), a /64 each
      answers.push(await send(`+86 1350013${String(1000 + i).padStart(4, '0')}`, ip));
    }
    const refused = answers.filter((a) => a.statusCode !== 200);
    expect(answers.slice(0, 40).every((a) => a.statusCode === 200)).toBe(true);
    expect(refused.map((a) => a.json.error)).toEqual(['rate_limit_exceeded', 'rate_limit_exceeded']);
    await f.server.app.lingpai.verification.settled();
  });

  it('one number is not pumped from many IPs: the per-number cap holds across addresses', async () => {
    const answers = [];
    for (let i = 0; i < 7; i++) {
      f.server.clock.advance(61_000); // past the resend cooldown each time
      answers.push(await send('+86 13500139999', `198.51.100.${10 + i}`));
    }
    expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(5);
    expect(answers.at(-1)?.json.error).toBe('rate_limit_exceeded');
    await f.server.app.lingpai.verification.settled();
  });

  it('anonymous sign-ins spread over the /64s of one IPv6 /48 meet the site cap', async () => {
    const answers = [];
    for (let i = 0; i < 2 * 16 + 1; i++)
      answers.push(
        await postAs(
          f,
          '/auth/v1/signin/anonymously',
          {},
          { device: `bot-${i}`, ip: `2001:db8:99:${i.toString(16)}::7` },
        ),
      );
    expect(answers.slice(0, 32).every((a) => a.statusCode === 200)).toBe(true);
    expect(answers.at(-1)?.json.error).toBe('rate_limit_exceeded');
  });

  it('a user’s token cannot reach the admin API or another user’s sessions (IDOR)', async () => {
    const alice = await f.server.app.lingpai.users.create({ username: 'idor-alice', password: PASSWORD });
    const bob = await f.server.app.lingpai.users.create({ username: 'idor-bob', password: PASSWORD });
    const aliceTokens = await issueTokens(f.server, alice.sub);
    const bobTokens = await issueTokens(f.server, bob.sub, { deviceId: 'bob-device' });
    const admin = await callUser(f.server, 'GET', '/auth/v1/admin/users', aliceTokens.access_token);
    expect(admin.body.error).toBe('insufficient_scope');
    const block = await callUser(
      f.server,
      'POST',
      `/auth/v1/admin/users/${bob.sub}/block`,
      aliceTokens.access_token,
      {},
    );
    expect(block.status).toBe(403);
    const endBobs = await callUser(
      f.server,
      'DELETE',
      `/auth/v1/user/sessions/${bobTokens.sid}`,
      aliceTokens.access_token,
    );
    expect(endBobs.body.error).toBe('not_found');
    const endDevice = await callUser(
      f.server,
      'DELETE',
      '/auth/v1/user/authorized/devices/bob-device',
      aliceTokens.access_token,
    );
    expect(endDevice.status).toBe(200);
    // Bob's session lives on.
    expect((await callUser(f.server, 'GET', '/auth/v1/user/me', bobTokens.access_token)).status).toBe(200);
    const unbind = await callUser(
      f.server,
      'DELETE',
      '/auth/v1/user/provider/github',
      aliceTokens.access_token,
    );
    expect(unbind.body.error).toBe('not_found');
  });
});
