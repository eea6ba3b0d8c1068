import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TYPES } from '../src/clients/client.js';
import { backends, basic, ENV_ID, startTestServer, type TestServer } from './support/test-app.js';

const PASSWORD = 'DemoPass123!@#';

describe.each(backends())('token introspection on %s', (_name, backend) => {
  let server: TestServer;
  let rsSecret: string;
  let adminSecret: string;

  async function signIn(clientId = ENV_ID, scope = 'user openid', deviceId = 'device-0000000001') {
    const response = await server.app.inject({
      method: 'POST',
      url: `/auth/v1/token?client_id=${clientId}`,
      headers: { 'x-device-id': deviceId },
      payload: { grant_type: 'password', username: 'zhangsan', password: PASSWORD, scope },
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { access_token: string; refresh_token: string; sub: string };
  }

  const introspect = (token: string, authorization: string | undefined, extra: Record<string, string> = {}) =>
    server.app.inject({
      method: 'POST',
      url: '/auth/v1/token/introspect',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(authorization ? { authorization } : {}),
      },
      payload: new URLSearchParams({ token, ...extra }).toString(),
    });

  beforeAll(async () => {
    server = await startTestServer(backend);
    await server.addUser('zhangsan', PASSWORD);
    // A resource server that introspects its own (well: its client's) tokens, and an admin.
    rsSecret = (await server.addClient({
      id: 'resource-server',
      kind: 'confidential',
      grantTypes: [GRANT_TYPES.clientCredentials],
      scopes: ['api'],
    })) as string;
    adminSecret = (await server.addClient({
      id: 'env-admin',
      kind: 'confidential',
      grantTypes: [GRANT_TYPES.clientCredentials],
      scopes: ['admin'],
    })) as string;
    await server.addClient({
      id: 'other-app',
      kind: 'public',
      grantTypes: [GRANT_TYPES.password, GRANT_TYPES.refreshToken],
      scopes: ['user', 'openid'],
    });
  });
  afterAll(async () => server?.close());

  it('RFC 7662: an admin client sees an active user access token with every claim', async () => {
    const tokens = await signIn();
    const response = await introspect(tokens.access_token, basic('env-admin', adminSecret));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json();
    expect(body).toMatchObject({
      active: true,
      scope: 'user openid',
      client_id: ENV_ID,
      sub: tokens.sub,
      iss: 'http://127.0.0.1:8080',
      aud: ENV_ID,
      token_type: 'Bearer',
      token_use: 'access_token',
    });
    expect(typeof body.jti).toBe('string');
    expect(typeof body.sid).toBe('string');
    expect(body.exp - body.iat).toBe(7_200);
  });

  it('RFC 7662: a live refresh token is active; once rotated it is not', async () => {
    const tokens = await signIn(ENV_ID, 'user', 'device-rotate-001');
    const live = (await introspect(tokens.refresh_token, basic('env-admin', adminSecret))).json();
    expect(live).toMatchObject({
      active: true,
      token_use: 'refresh_token',
      client_id: ENV_ID,
      sub: tokens.sub,
    });
    expect(live.token_type).toBeUndefined();
    const rotated = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/token',
      headers: { 'x-device-id': 'device-rotate-001' },
      payload: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
    });
    expect(rotated.statusCode).toBe(200);
    expect((await introspect(tokens.refresh_token, basic('env-admin', adminSecret))).json()).toEqual({
      active: false,
    });
    const child = rotated.json().refresh_token as string;
    expect((await introspect(child, basic('env-admin', adminSecret))).json()).toMatchObject({ active: true });
  });

  it('a client introspecting its own client_credentials token sees it; with token_type_hint wrong too', async () => {
    const issued = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/token',
      headers: { authorization: basic('resource-server', rsSecret) },
      payload: { grant_type: 'client_credentials' },
    });
    const token = issued.json().access_token as string;
    const body = (
      await introspect(token, basic('resource-server', rsSecret), { token_type_hint: 'refresh_token' })
    ).json();
    expect(body).toMatchObject({
      active: true,
      sub: 'service:resource-server',
      client_id: 'resource-server',
    });
    expect(body.sid).toBeUndefined();
  });

  it("another client's token is active:false for a non-admin caller (no probing other clients' tokens)", async () => {
    const tokens = await signIn();
    expect((await introspect(tokens.access_token, basic('resource-server', rsSecret))).json()).toEqual({
      active: false,
    });
    expect((await introspect(tokens.refresh_token, basic('resource-server', rsSecret))).json()).toEqual({
      active: false,
    });
  });

  it('public clients may not introspect: 401 invalid_client with a Basic challenge', async () => {
    const tokens = await signIn();
    for (const authorization of [undefined, `Basic ${Buffer.from(`${ENV_ID}:`).toString('base64')}`]) {
      const response = await introspect(tokens.access_token, authorization);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: 'invalid_client' });
      expect(response.headers['www-authenticate']).toMatch(/^Basic /);
    }
  });

  it('a public client posting no body at all is still 401 invalid_client, not a schema error', async () => {
    const response = await server.app.inject({ method: 'POST', url: '/auth/v1/token/introspect' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('a wrong client secret is 401, and a missing token 400 invalid_request', async () => {
    expect((await introspect('x', basic('resource-server', 'wrong-secret-wrong-secret'))).statusCode).toBe(
      401,
    );
    const missing = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/token/introspect',
      headers: { authorization: basic('env-admin', adminSecret) },
      payload: {},
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('unknown, forged and ID tokens are active:false', async () => {
    const tokens = await signIn(ENV_ID, 'user openid');
    const [header, payload] = tokens.access_token.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), scope: 'admin' }),
    ).toString('base64url');
    const idToken = (
      await server.app.inject({
        method: 'POST',
        url: '/auth/v1/token',
        payload: { grant_type: 'password', username: 'zhangsan', password: PASSWORD, scope: 'openid' },
      })
    ).json().id_token as string;
    expect(idToken).toBeTypeOf('string');
    for (const token of [
      'lpr.unknown-token-unknown-token-unknown-token-00',
      'not a token',
      `${header}.${forgedPayload}.${tokens.access_token.split('.')[2]}`,
      idToken,
      'a'.repeat(5_000),
    ]) {
      expect((await introspect(token, basic('env-admin', adminSecret))).json(), token.slice(0, 20)).toEqual({
        active: false,
      });
    }
  });

  it('an expired access token (manual clock) and an expired refresh token are active:false', async () => {
    const tokens = await signIn(ENV_ID, 'user', 'device-expiry-001');
    server.clock.advance(7_200_000);
    expect((await introspect(tokens.access_token, basic('env-admin', adminSecret))).json()).toEqual({
      active: false,
    });
    expect((await introspect(tokens.refresh_token, basic('env-admin', adminSecret))).json()).toMatchObject({
      active: true,
    });
    server.clock.advance(31 * 86_400_000);
    expect((await introspect(tokens.refresh_token, basic('env-admin', adminSecret))).json()).toEqual({
      active: false,
    });
  });

  it('a revoked session: both its access and refresh token are active:false', async () => {
    const tokens = await signIn(ENV_ID, 'user', 'device-revoked-01');
    const revoke = await server.app.inject({
      method: 'POST',
      url: `/auth/v1/revoke?client_id=${ENV_ID}`,
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      payload: JSON.stringify({ token: tokens.refresh_token }),
    });
    expect(revoke.statusCode, revoke.body).toBe(200);
    for (const token of [tokens.access_token, tokens.refresh_token]) {
      expect((await introspect(token, basic('env-admin', adminSecret))).json()).toEqual({ active: false });
    }
  });

  describe('CloudBase GET /auth/v1/token/introspect', () => {
    const get = (authorization?: string) =>
      server.app.inject({
        method: 'GET',
        url: '/auth/v1/token/introspect',
        headers: authorization ? { authorization } : {},
      });

    it('describes a valid Bearer token with exactly token_type, client_id, sub, scope', async () => {
      const tokens = await signIn();
      const response = await get(`Bearer ${tokens.access_token}`);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        token_type: 'Bearer',
        client_id: ENV_ID,
        sub: tokens.sub,
        scope: 'user openid',
      });
    });

    it('answers 200 {} — never an error status — for missing, malformed, forged, refresh, expired and revoked tokens', async () => {
      const tokens = await signIn(ENV_ID, 'user', 'device-get-intro1');
      const cases = [undefined, 'Bearer', 'Basic abc', 'Bearer garbage', `Bearer ${tokens.refresh_token}`];
      for (const authorization of cases) {
        const response = await get(authorization);
        expect(response.statusCode, String(authorization)).toBe(200);
        expect(response.json()).toEqual({});
      }
      await server.app.inject({
        method: 'POST',
        url: '/auth/v1/revoke',
        payload: { token: tokens.access_token },
      });
      expect((await get(`Bearer ${tokens.access_token}`)).json()).toEqual({});
      const fresh = await signIn(ENV_ID, 'user', 'device-get-intro2');
      server.clock.advance(7_200_000);
      const expired = await get(`Bearer ${fresh.access_token}`);
      expect(expired.statusCode).toBe(200);
      expect(expired.json()).toEqual({});
    });
  });
});
