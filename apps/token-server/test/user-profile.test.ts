// GET /auth/v1/user/me, PATCH /auth/v1/user/profile and POST /auth/v1/user/basic/edit: the
// CloudBase profile shape, who may call them (Bearer with the user scope, not blocked, not deleted),
// and each field's rule (https pictures, three genders, BCP 47 locales, folded unique usernames).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postToken } from './support/http.js';
import { signIn } from './support/session-helpers.js';
import { backends, startTestServer, type TestServer } from './support/test-app.js';
import { callUser, issueTokens } from './support/user-fixture.js';

const PASSWORD = 'Profile-Pass-123';

describe.each(backends())('the signed-in user’s profile (%s)', (_name, backend) => {
  let server: TestServer;
  let sub: string;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer(backend);
    const user = await server.app.lingpai.users.create({
      username: 'ZhangSan',
      password: PASSWORD,
      email: 'zhangsan@example.com',
      phoneNumber: '+86 13800138000',
      groups: ['admin-readers'],
    });
    sub = user.sub;
    await server.addUser('lisi', PASSWORD);
    token = (await signIn(server, { username: 'zhangsan', password: PASSWORD, scope: 'user' })).access_token;
  }, 120_000);
  afterAll(async () => server?.close());

  const me = (accessToken: string | undefined) => callUser(server, 'GET', '/auth/v1/user/me', accessToken);

  it('answers the CloudBase profile, without the password hash or null fields', async () => {
    const { status, body } = await me(token);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      sub,
      username: 'ZhangSan',
      email: 'zhangsan@example.com',
      email_verified: false,
      phone_number: '+86 13800138000',
      phone_number_verified: false,
      providers: [],
      status: 'ACTIVE',
      groups: [{ id: 'admin-readers' }],
      is_anonymous: false,
      has_password: true,
    });
    expect(new Date(body.created_at as string).toISOString()).toBe(body.created_at);
    expect(JSON.stringify(body)).not.toMatch(/argon2|password_hash|null/);
    expect(body).not.toHaveProperty('name');
  });

  it('lists the bound platform identities in providers', async () => {
    const user = await server.app.lingpai.users.create({ username: 'with-github', password: PASSWORD });
    const now = new Date(server.clock.now());
    await server.db.query(
      `INSERT INTO user_identities (platform, subject, user_sub, provider_id, name, created_at, updated_at)
       VALUES ('github', '583231', $1, 'github', 'octocat', $2, $2)`,
      [user.sub, now],
    );
    const tokens = await signIn(server, { username: 'with-github', password: PASSWORD, scope: 'user' });
    expect((await me(tokens.access_token)).body.providers).toEqual([
      { id: 'github', provider_user_id: '583231', name: 'octocat' },
    ]);
  });

  it('refuses no token, a forged one, a token without the user scope', async () => {
    expect((await me(undefined)).body.error).toBe('unauthenticated');
    expect((await me('eyJ.forged.token')).body.error).toBe('invalid_token');
    await server.addClient({
      id: 'third-party',
      kind: 'public',
      grantTypes: ['password', 'refresh_token'],
      scopes: ['openid', 'profile'],
    });
    const thirdParty = await signIn(server, {
      clientId: 'third-party',
      username: 'lisi',
      password: PASSWORD,
      scope: 'openid profile',
    });
    const refused = await me(thirdParty.access_token);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('insufficient_scope');
    const edit = await callUser(server, 'PATCH', '/auth/v1/user/profile', thirdParty.access_token, {
      name: 'x',
    });
    expect(edit.body.error).toBe('insufficient_scope');
  });

  it('answers an anonymous user, and keeps the username for sign-up', async () => {
    const anonymous = await server.app.lingpai.users.create({ isAnonymous: true });
    const tokens = await issueTokens(server, anonymous.sub, { scope: ['anonymous'] });
    const { status, body } = await me(tokens.access_token);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      sub: anonymous.sub,
      is_anonymous: true,
      has_password: false,
      providers: [],
    });
    const named = await callUser(server, 'PATCH', '/auth/v1/user/profile', tokens.access_token, {
      name: '游客',
    });
    expect(named.body.name).toBe('游客');
    const username = await callUser(server, 'PATCH', '/auth/v1/user/profile', tokens.access_token, {
      username: 'guest1',
    });
    expect(username.body.error).toBe('failed_precondition');
  });

  it('changes name, picture, gender and locale, and clears with null', async () => {
    const changed = await callUser(
      server,
      'PATCH',
      '/auth/v1/user/profile',
      token,
      { name: '  张三  ', picture: 'https://cdn.example.com/a.png', gender: 'MALE', locale: 'zh-cn' },
      { text: true }, // the official client's text/plain JSON
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({
      name: '张三',
      picture: 'https://cdn.example.com/a.png',
      gender: 'MALE',
      locale: 'zh-CN',
    });
    expect(Date.parse(changed.body.updated_at as string)).toBeGreaterThanOrEqual(
      Date.parse(changed.body.created_at as string),
    );
    const cleared = await callUser(server, 'PATCH', '/auth/v1/user/profile', token, {
      gender: null,
      locale: '',
    });
    expect(cleared.body).not.toHaveProperty('gender');
    expect(cleared.body).not.toHaveProperty('locale');
    expect(cleared.body.name).toBe('张三');
    expect((await me(token)).body.name).toBe('张三');
  });

  it.each([
    [{ picture: 'http://cdn.example.com/a.png' }],
    [{ picture: 'https://user:pw@cdn.example.com/a.png' }],
    [{ picture: 'javascript:alert(1)' }],
    [{ gender: 'OTHER' }],
    [{ locale: 'not a locale!' }],
    [{ name: 'a\u0000b' }],
    [{ name: 'x'.repeat(65) }],
    [{ username: 'has space' }],
    [{ username: 'someone@example.com' }],
    [{ username: '+8613800138001' }],
    [{ username: '13800138001' }],
    [{ name: 42 }],
  ])('refuses %j with invalid_request and changes nothing', async (payload) => {
    const before = (await me(token)).body;
    const refused = await callUser(server, 'PATCH', '/auth/v1/user/profile', token, payload);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_request');
    expect((await me(token)).body).toEqual(before);
  });

  it('changes the username; another user’s in any spelling is username_already_exists', async () => {
    for (const taken of ['lisi', 'LISI', 'ＬＩＳＩ']) {
      const refused = await callUser(server, 'PATCH', '/auth/v1/user/profile', token, { username: taken });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toBe('username_already_exists');
    }
    const renamed = await callUser(server, 'PATCH', '/auth/v1/user/profile', token, {
      username: 'ZhangSan2',
    });
    expect(renamed.body.username).toBe('ZhangSan2');
    // The new name signs in (folded), the old one no longer does.
    expect(
      (await postToken(server.app, { grant_type: 'password', username: 'zhangsan2', password: PASSWORD }))
        .status,
    ).toBe(200);
    expect(
      (await postToken(server.app, { grant_type: 'password', username: 'zhangsan', password: PASSWORD }))
        .status,
    ).toBe(400);
  });

  it('POST /auth/v1/user/basic/edit takes CloudBase’s names and answers {}', async () => {
    const edited = await callUser(server, 'POST', '/auth/v1/user/basic/edit', token, {
      nickname: 'San',
      avatar_url: 'https://cdn.example.com/b.png',
      gender: 'FEMALE',
      user_id: sub,
      description: 'not stored',
    });
    expect(edited).toEqual({ status: 200, body: {} });
    expect((await me(token)).body).toMatchObject({
      name: 'San',
      picture: 'https://cdn.example.com/b.png',
      gender: 'FEMALE',
    });
    const password = await callUser(server, 'POST', '/auth/v1/user/basic/edit', token, {
      password: PASSWORD,
      new_password: 'Another-Pass-456',
    });
    expect(password.body.error).toBe('invalid_request');
    const phone = await callUser(server, 'POST', '/auth/v1/user/basic/edit', token, {
      phone: '+86 13900139000',
    });
    expect(phone.body.error).toBe('invalid_request');
    const other = await callUser(server, 'POST', '/auth/v1/user/basic/edit', token, {
      user_id: '1234567890123456789',
      nickname: 'x',
    });
    expect(other.status).toBe(403);
    expect(other.body.error).toBe('permission_denied');
    expect((await me(token)).body.name).toBe('San');
  });

  it('refuses a blocked user at once, with a still-valid token', async () => {
    const blocked = await server.app.lingpai.users.create({ username: 'wangwu', password: PASSWORD });
    const tokens = await signIn(server, { username: 'wangwu', password: PASSWORD, scope: 'user' });
    expect((await me(tokens.access_token)).status).toBe(200);
    await server.db.query(`UPDATE users SET status = 'BLOCKED' WHERE sub = $1`, [blocked.sub]);
    for (const [method, url] of [
      ['GET', '/auth/v1/user/me'],
      ['PATCH', '/auth/v1/user/profile'],
      ['GET', '/auth/v1/user/sessions'],
      ['POST', '/auth/v1/user/sudo'],
    ] as const) {
      const refused = await callUser(
        server,
        method,
        url,
        tokens.access_token,
        method === 'GET' ? undefined : {},
      );
      expect(refused.status, `${method} ${url}`).toBe(403);
      expect(refused.body.error).toBe('user_blocked');
    }
  });
});
