import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TYPES } from '../src/clients/client.js';
import { refreshStatus, signIn, userinfoStatus } from './support/session-helpers.js';
import { backends, basic, ENV_ID, startTestServer, type TestServer } from './support/test-app.js';

const PASSWORD = 'DemoPass123!@#';

describe.each(backends())('token revocation on %s', (_name, backend) => {
  let server: TestServer;
  let webSecret: string;
  let adminSecret: string;
  let serviceSecret: string;

  const revoke = (
    body: Record<string, string>,
    options: { authorization?: string; query?: string; form?: boolean } = {},
  ) =>
    server.app.inject({
      method: 'POST',
      url: `/auth/v1/revoke${options.query ?? ''}`,
      headers: {
        'content-type': options.form ? 'application/x-www-form-urlencoded' : 'text/plain;charset=UTF-8',
        ...(options.authorization ? { authorization: options.authorization } : {}),
      },
      payload: options.form ? new URLSearchParams(body).toString() : JSON.stringify(body),
    });

  beforeAll(async () => {
    server = await startTestServer(backend);
    await server.addUser('zhangsan', PASSWORD);
    webSecret = (await server.addClient({
      id: 'web-app',
      kind: 'confidential',
      grantTypes: [GRANT_TYPES.password, GRANT_TYPES.refreshToken],
      scopes: ['user', 'openid'],
    })) as string;
    adminSecret = (await server.addClient({
      id: 'env-admin',
      kind: 'confidential',
      grantTypes: [GRANT_TYPES.clientCredentials],
      scopes: ['admin'],
    })) as string;
    serviceSecret = (await server.addClient({
      id: 'batch-job',
      kind: 'confidential',
      grantTypes: [GRANT_TYPES.clientCredentials],
      scopes: ['api'],
    })) as string;
    await server.addClient({
      id: 'other-app',
      kind: 'public',
      grantTypes: [GRANT_TYPES.password, GRANT_TYPES.refreshToken],
      scopes: ['user', 'openid'],
    });
  });
  afterAll(async () => server?.close());

  it('CloudBase signOut(): {token: access_token}, ?client_id, no Authorization — ends the whole family', async () => {
    const tokens = await signIn(server, { password: PASSWORD });
    expect(await userinfoStatus(server, tokens.access_token)).toBe(200);
    const response = await revoke({ token: tokens.access_token }, { query: `?client_id=${ENV_ID}` });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({});
    expect(await userinfoStatus(server, tokens.access_token)).toBe(401);
    expect(await refreshStatus(server, tokens.refresh_token)).toBe(400);
  });

  it('a public client revoking its refresh token ends the family: its access token is refused at userinfo', async () => {
    const tokens = await signIn(server, { password: PASSWORD });
    expect((await revoke({ token: tokens.refresh_token, token_type_hint: 'refresh_token' })).json()).toEqual(
      {},
    );
    expect(await userinfoStatus(server, tokens.access_token)).toBe(401);
    expect(await refreshStatus(server, tokens.refresh_token)).toBe(400);
  });

  it('RFC 7009: a confidential client revokes its refresh token (form, Basic) and the family ends', async () => {
    const tokens = await signIn(server, { clientId: 'web-app', secret: webSecret, password: PASSWORD });
    const response = await revoke(
      { token: tokens.refresh_token, token_type_hint: 'refresh_token' },
      { authorization: basic('web-app', webSecret), form: true },
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({});
    expect(await userinfoStatus(server, tokens.access_token)).toBe(401);
    expect(await refreshStatus(server, tokens.refresh_token, { id: 'web-app', secret: webSecret })).toBe(400);
  });

  it('RFC 7009: revoking an access token (client_secret_post) ends its family via sid', async () => {
    const tokens = await signIn(server, { clientId: 'web-app', secret: webSecret, password: PASSWORD });
    const response = await revoke(
      {
        token: tokens.access_token,
        token_type_hint: 'access_token',
        client_id: 'web-app',
        client_secret: webSecret,
      },
      { form: true },
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(await refreshStatus(server, tokens.refresh_token, { id: 'web-app', secret: webSecret })).toBe(400);
  });

  it('a just-expired access token still ends its session (sign-out after an idle hour)', async () => {
    const tokens = await signIn(server, { password: PASSWORD });
    server.clock.advance(7_300_000);
    expect((await revoke({ token: tokens.access_token })).json()).toEqual({});
    expect(await refreshStatus(server, tokens.refresh_token)).toBe(400);
  });

  it('RFC 7009 §2.2: unknown, forged and already-revoked tokens answer 200 {}', async () => {
    const tokens = await signIn(server, { password: PASSWORD });
    const forged = `${tokens.access_token.slice(0, -4)}AAAA`;
    for (const token of ['lpr.nope', 'garbage', forged, 'x'.repeat(6_000)]) {
      const response = await revoke({ token });
      expect(response.statusCode, token.slice(0, 10)).toBe(200);
      expect(response.json()).toEqual({});
    }
    // The forged copy did nothing.
    expect(await userinfoStatus(server, tokens.access_token)).toBe(200);
    expect((await revoke({ token: tokens.refresh_token })).statusCode).toBe(200);
    expect((await revoke({ token: tokens.refresh_token })).json()).toEqual({});
  });

  it('a token of another client is left untouched (200 {} anyway): public caller and confidential caller', async () => {
    const others = await signIn(server, { clientId: 'other-app', password: PASSWORD });
    const byPublic = await revoke({ token: others.access_token }, { query: `?client_id=${ENV_ID}` });
    expect(byPublic.statusCode).toBe(200);
    expect(byPublic.json()).toEqual({});
    const byConfidential = await revoke(
      { token: others.refresh_token },
      { authorization: basic('web-app', webSecret) },
    );
    expect(byConfidential.json()).toEqual({});
    expect(await userinfoStatus(server, others.access_token)).toBe(200);
    expect(await refreshStatus(server, others.refresh_token, { id: 'other-app' })).toBe(200);
  });

  it("an admin client may end any client's session", async () => {
    const others = await signIn(server, { clientId: 'other-app', password: PASSWORD });
    const response = await revoke(
      { token: others.refresh_token },
      { authorization: basic('env-admin', adminSecret) },
    );
    expect(response.json()).toEqual({});
    expect(await userinfoStatus(server, others.access_token)).toBe(401);
  });

  it('a confidential client must authenticate: no secret or a wrong one is 401 invalid_client, nothing revoked', async () => {
    const tokens = await signIn(server, { clientId: 'web-app', secret: webSecret, password: PASSWORD });
    const noSecret = await revoke({ token: tokens.refresh_token }, { query: '?client_id=web-app' });
    expect(noSecret.statusCode).toBe(401);
    expect(noSecret.json()).toMatchObject({ error: 'invalid_client' });
    expect(noSecret.headers['www-authenticate']).toMatch(/^Basic /);
    const wrong = await revoke(
      { token: tokens.refresh_token },
      { authorization: basic('web-app', 'wrong-secret-wrong-secret-00') },
    );
    expect(wrong.statusCode).toBe(401);
    expect(await refreshStatus(server, tokens.refresh_token, { id: 'web-app', secret: webSecret })).toBe(200);
  });

  it('a client_credentials access token has no session: 400 unsupported_token_type, never a silent "revoked"', async () => {
    const issued = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/token',
      headers: { authorization: basic('batch-job', serviceSecret) },
      payload: { grant_type: 'client_credentials' },
    });
    const response = await revoke(
      { token: issued.json().access_token },
      { authorization: basic('batch-job', serviceSecret) },
    );
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'unsupported_token_type', error_code: 4006 });
  });

  it('the token may come as the Bearer token with no body at all (CloudBase documents Bearer here)', async () => {
    const tokens = await signIn(server, { password: PASSWORD });
    const response = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/revoke',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(await refreshStatus(server, tokens.refresh_token)).toBe(400);
  });

  it('no token is 400 invalid_request with the error shape; a duplicated form token is refused', async () => {
    const missing = await revoke({});
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: 'invalid_request', error_code: 4000 });
    const duplicated = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'token=a&token=b',
    });
    expect(duplicated.statusCode).toBe(400);
    expect(duplicated.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('a revocation is audited with its reason', async () => {
    const tokens = await signIn(server, { password: PASSWORD });
    await revoke({ token: tokens.refresh_token });
    await server.app.lingpai.audit.flush();
    const rows = await server.db.query<{ sub: string; detail: { reason: string } }>(
      "SELECT sub, detail FROM audit_events WHERE kind = 'session_ended' AND sub = $1",
      [tokens.sub],
    );
    expect(rows.some((row) => row.detail.reason === 'revoked')).toBe(true);
  });
});
