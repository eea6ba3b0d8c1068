import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TYPES } from '../src/clients/client.js';
import { signIn } from './support/session-helpers.js';
import { backends, basic, startTestServer, type TestServer } from './support/test-app.js';

const PASSWORD = 'DemoPass123!@#';

describe.each(backends())('OIDC /auth/v1/userinfo on %s', (_name, backend) => {
  let server: TestServer;
  let sub: string;
  let serviceSecret: string;

  const userinfo = (accessToken: string | undefined, method: 'GET' | 'POST' = 'GET') =>
    server.app.inject({
      method,
      url: '/auth/v1/userinfo',
      headers: accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` },
    });

  beforeAll(async () => {
    server = await startTestServer(backend);
    const user = await server.app.lingpai.users.create({
      username: 'ZhangSan',
      password: PASSWORD,
      email: 'zhangsan@example.com',
      phoneNumber: '+86 13800138000',
      name: '张三',
      groups: ['editors'],
    });
    sub = user.sub;
    await server.db.query(
      "UPDATE users SET picture = 'https://cdn.example.com/z.png', gender = 'MALE', locale = 'zh-CN' WHERE sub = $1",
      [sub],
    );
    await server.addUser('lisi', PASSWORD);
    await server.addClient({
      id: 'groups-app',
      kind: 'public',
      grantTypes: [GRANT_TYPES.password, GRANT_TYPES.refreshToken],
      scopes: ['openid', 'groups'],
    });
    serviceSecret = (await server.addClient({
      id: 'service-oidc',
      kind: 'confidential',
      grantTypes: [GRANT_TYPES.clientCredentials],
      scopes: ['openid'],
    })) as string;
  });
  afterAll(async () => server?.close());

  it('openid alone: only sub (GET and POST)', async () => {
    const tokens = await signIn(server, { username: 'zhangsan', scope: 'openid', password: PASSWORD });
    for (const method of ['GET', 'POST'] as const) {
      const response = await userinfo(tokens.access_token, method);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.json()).toEqual({ sub });
    }
  });

  it('claims by scope: profile, email (unverified until proven), phone', async () => {
    const tokens = await signIn(server, {
      username: 'zhangsan',
      scope: 'openid profile email phone',
      password: PASSWORD,
    });
    expect((await userinfo(tokens.access_token)).json()).toEqual({
      sub,
      name: '张三',
      picture: 'https://cdn.example.com/z.png',
      gender: 'MALE',
      locale: 'zh-CN',
      username: 'ZhangSan',
      preferred_username: 'ZhangSan',
      email: 'zhangsan@example.com',
      email_verified: false,
      phone_number: '+86 13800138000',
      phone_number_verified: false,
    });
    await server.db.query('UPDATE users SET email_verified = true WHERE sub = $1', [sub]);
    expect((await userinfo(tokens.access_token)).json()).toMatchObject({ email_verified: true });
  });

  it('a claim the user lacks is omitted, never null or empty (OIDC Core §5.3.2)', async () => {
    const tokens = await signIn(server, {
      username: 'lisi',
      scope: 'openid profile email phone',
      password: PASSWORD,
    });
    const body = (await userinfo(tokens.access_token)).json();
    expect(Object.keys(body).sort()).toEqual(['preferred_username', 'sub', 'username']);
  });

  it('groups scope releases groups', async () => {
    const tokens = await signIn(server, {
      clientId: 'groups-app',
      username: 'zhangsan',
      scope: 'openid groups',
      password: PASSWORD,
    });
    expect((await userinfo(tokens.access_token)).json()).toEqual({ sub, groups: ['editors'] });
  });

  it('without the openid scope: 403 insufficient_scope with the RFC 6750 challenge', async () => {
    const tokens = await signIn(server, { username: 'zhangsan', scope: 'user profile', password: PASSWORD });
    const response = await userinfo(tokens.access_token);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: 'insufficient_scope', error_code: 4030 });
    expect(response.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(response.headers['www-authenticate']).toContain('scope="openid"');
  });

  it('a dead sid is refused with 401 invalid_token and WWW-Authenticate', async () => {
    const tokens = await signIn(server, { username: 'zhangsan', scope: 'openid', password: PASSWORD });
    expect((await userinfo(tokens.access_token)).statusCode).toBe(200);
    await server.app.inject({
      method: 'POST',
      url: '/auth/v1/revoke',
      payload: { token: tokens.refresh_token },
    });
    const response = await userinfo(tokens.access_token);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: 'invalid_token' });
    expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('missing, garbage and expired tokens are 401; a service account is not a user', async () => {
    const missing = await userinfo(undefined);
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer /);
    expect((await userinfo('garbage')).statusCode).toBe(401);
    const issued = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/token',
      headers: { authorization: basic('service-oidc', serviceSecret) },
      payload: { grant_type: 'client_credentials', scope: 'openid' },
    });
    const service = await userinfo(issued.json().access_token);
    expect(service.statusCode).toBe(401);
    expect(service.json()).toMatchObject({ error: 'invalid_token' });
    const tokens = await signIn(server, { username: 'zhangsan', scope: 'openid', password: PASSWORD });
    server.clock.advance(7_200_000);
    expect((await userinfo(tokens.access_token)).statusCode).toBe(401);
  });

  it('a blocked user has no userinfo even while the access token is unexpired', async () => {
    const tokens = await signIn(server, { username: 'lisi', scope: 'openid', password: PASSWORD });
    await server.db.query("UPDATE users SET status = 'BLOCKED' WHERE username = 'lisi'");
    expect((await userinfo(tokens.access_token)).statusCode).toBe(401);
  });
});
