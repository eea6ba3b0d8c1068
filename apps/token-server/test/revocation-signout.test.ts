import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TYPES } from '../src/clients/client.js';
import { refreshStatus, signIn, userinfoStatus } from './support/session-helpers.js';
import { backends, startTestServer, type TestServer } from './support/test-app.js';

const PASSWORD = 'DemoPass123!@#';
const LOGOUT_URI = 'https://app.example.com/signed-out';

describe.each(backends())('CloudBase POST /auth/v1/user/signout on %s', (_name, backend) => {
  let server: TestServer;

  const signout = (accessToken: string | undefined, body?: Record<string, string>) =>
    server.app.inject({
      method: 'POST',
      url: '/auth/v1/user/signout',
      headers: {
        ...(accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` }),
        ...(body === undefined ? {} : { 'content-type': 'text/plain;charset=UTF-8' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    server = await startTestServer(backend);
    await server.addUser('zhangsan', PASSWORD);
    await server.addClient({
      id: 'web-spa',
      kind: 'public',
      grantTypes: [GRANT_TYPES.password, GRANT_TYPES.refreshToken],
      scopes: ['user', 'openid'],
      logoutUris: [LOGOUT_URI, 'https://app.example.com/bye?from=app'],
    });
  });
  afterAll(async () => server?.close());

  it('ends the family: the refresh token and the access token are refused afterwards', async () => {
    const tokens = await signIn(server, { clientId: 'web-spa', password: PASSWORD });
    const response = await signout(tokens.access_token, {});
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({});
    expect(await userinfoStatus(server, tokens.access_token)).toBe(401);
    expect(await refreshStatus(server, tokens.refresh_token, { id: 'web-spa' })).toBe(400);
  });

  it('works without any body (the SDK may post none)', async () => {
    const tokens = await signIn(server, { password: PASSWORD });
    const response = await signout(tokens.access_token);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({});
    expect(await refreshStatus(server, tokens.refresh_token)).toBe(400);
  });

  it('succeeds with an expired access token, ending the refresh token that outlived it', async () => {
    const tokens = await signIn(server, { clientId: 'web-spa', password: PASSWORD });
    server.clock.advance(3 * 3_600_000);
    expect(await userinfoStatus(server, tokens.access_token)).toBe(401);
    const response = await signout(tokens.access_token, {});
    expect(response.statusCode, response.body).toBe(200);
    expect(await refreshStatus(server, tokens.refresh_token, { id: 'web-spa' })).toBe(400);
  });

  it('answers a registered logout URI with state appended; exact match only, else {} (no open redirect)', async () => {
    const a = await signIn(server, { clientId: 'web-spa', password: PASSWORD });
    expect((await signout(a.access_token, { redirect_uri: LOGOUT_URI, state: 's t&1' })).json()).toEqual({
      redirect_uri: `${LOGOUT_URI}?state=s+t%261`,
    });
    const b = await signIn(server, { clientId: 'web-spa', password: PASSWORD });
    expect(
      (
        await signout(b.access_token, { redirect_uri: 'https://app.example.com/bye?from=app', state: 'x' })
      ).json(),
    ).toEqual({ redirect_uri: 'https://app.example.com/bye?from=app&state=x' });
    for (const redirect of [
      'https://evil.example.com/',
      `${LOGOUT_URI}/`,
      `${LOGOUT_URI}?next=https://evil.example.com`,
      'https://APP.example.com/signed-out',
    ]) {
      const c = await signIn(server, { clientId: 'web-spa', password: PASSWORD });
      expect(
        (await signout(c.access_token, { redirect_uri: redirect, state: 'x' })).json(),
        redirect,
      ).toEqual({});
    }
    // Another client's logout URI is not this client's.
    const env = await signIn(server, { password: PASSWORD });
    expect((await signout(env.access_token, { redirect_uri: LOGOUT_URI })).json()).toEqual({});
  });

  it('signing out twice is idempotent: the second answers like the first and still redirects', async () => {
    const tokens = await signIn(server, { clientId: 'web-spa', password: PASSWORD });
    expect((await signout(tokens.access_token, {})).statusCode).toBe(200);
    const again = await signout(tokens.access_token, { redirect_uri: LOGOUT_URI });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ redirect_uri: LOGOUT_URI });
  });

  it('a forged token (valid sid, bad signature) is 401 invalid_token and ends nothing', async () => {
    const tokens = await signIn(server, { clientId: 'web-spa', password: PASSWORD });
    const [header, payload, signature] = tokens.access_token.split('.');
    const forged = `${header}.${payload}.${signature!.slice(0, -6)}AAAAAA`;
    const response = await signout(forged, {});
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: 'invalid_token' });
    expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(await userinfoStatus(server, tokens.access_token)).toBe(200);
    expect(await refreshStatus(server, tokens.refresh_token, { id: 'web-spa' })).toBe(200);
  });

  it('no Bearer token is 401 with a Bearer challenge; a refresh token is not a Bearer token', async () => {
    const missing = await signout(undefined, {});
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer /);
    const tokens = await signIn(server, { password: PASSWORD });
    expect((await signout(tokens.refresh_token, {})).statusCode).toBe(401);
    expect(await refreshStatus(server, tokens.refresh_token)).toBe(200);
  });
});
