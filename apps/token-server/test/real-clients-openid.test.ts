// openid-client (panva), unmodified, over real HTTP: authorization code + PKCE (the browser part
// driven through the interaction API), the device flow with its poller, introspection and
// revocation. The oauth4webapi side of the same flows is in real-clients.test.ts and beside the grants.
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interactionIdOf, TestBrowser } from './support/interaction-browser.js';
import { startListeningServer } from './support/listening-server.js';
import { backends, ENV_ID, type TestServer } from './support/test-app.js';

const USER = { username: 'li', password: 'Li-Password-42' };
const REDIRECT = 'http://127.0.0.1:3000/callback';

describe.each(backends())('openid-client on %s', (_name, backend) => {
  let server: TestServer & { issuer: string };
  let rsSecret: string;

  beforeAll(async () => {
    // A 1 s device polling interval keeps the poller's wait short.
    server = await startListeningServer(backend, { lifetimes: { deviceInterval: 1 } });
    await server.addUser(USER.username, USER.password);
    await server.addClient({
      id: 'spa-oidc',
      kind: 'public',
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'user', 'profile'],
      redirectUris: [REDIRECT],
    });
    await server.addClient({
      id: 'tv-oidc',
      kind: 'public',
      grantTypes: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      scopes: ['user'],
    });
    rsSecret = (await server.addClient({
      id: 'rs-oidc',
      kind: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: ['admin'],
    }))!;
  });
  afterAll(async () => server?.close());

  const discover = (clientId: string, auth: client.ClientAuth = client.None()) =>
    client.discovery(new URL(server.issuer), clientId, undefined, auth, {
      execute: [client.allowInsecureRequests],
    });

  async function codeFlowTokens() {
    const config = await discover('spa-oidc');
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid user',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    // The browser: authorize → login page → log in and consent through the interaction API.
    const browser = new TestBrowser(server.app, server.issuer);
    const interaction = interactionIdOf(await browser.navigate(url.pathname + url.search));
    const { csrf_token } = (await browser.fetchGet(`/auth/v1/interaction/${interaction}`)).json() as {
      csrf_token: string;
    };
    const login = (
      await browser.fetchPost(`/auth/v1/interaction/${interaction}/login`, USER, {
        'x-csrf-token': csrf_token,
      })
    ).json();
    const done =
      login.status === 'approved'
        ? login
        : (
            await browser.fetchPost(
              `/auth/v1/interaction/${interaction}/consent`,
              {},
              { 'x-csrf-token': csrf_token },
            )
          ).json();
    const tokens = await client.authorizationCodeGrant(config, new URL(done.redirect_to), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    return { config, tokens };
  }

  it('authorization code + PKCE: iss and state checked, ID token validated, then refresh rotation', async () => {
    const { config, tokens } = await codeFlowTokens();
    expect(tokens.claims()?.aud).toBe('spa-oidc');
    expect(tokens.refresh_token).toBeTypeOf('string');
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('device flow: initiate, approve as the signed-in user, the poller gets the tokens', async () => {
    const config = await discover('tv-oidc');
    const started = await client.initiateDeviceAuthorization(config, { scope: 'user' });
    expect(started.user_code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    // Approve with a fresh sign-in of the first-party env client (CloudBase's authorizeDevice).
    const signIn = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/token',
      payload: { client_id: ENV_ID, grant_type: 'password', ...USER },
    });
    const approve = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/user/device/authorize',
      headers: { authorization: `Bearer ${signIn.json().access_token}` },
      payload: { user_code: started.user_code },
    });
    expect(approve.statusCode, approve.body).toBe(200);
    const tokens = await client.pollDeviceAuthorizationGrant(config, started);
    expect(tokens.access_token).toBeTypeOf('string');
    expect(tokens.scope).toBe('user');
  }, 30_000);

  it('introspection and revocation: an admin resource server sees the token, revocation ends it', async () => {
    const { tokens } = await codeFlowTokens();
    const rs = await discover('rs-oidc', client.ClientSecretBasic(rsSecret));
    const active = await client.tokenIntrospection(rs, tokens.access_token);
    expect(active).toMatchObject({ active: true, client_id: 'spa-oidc', token_type: 'Bearer' });
    await client.tokenRevocation(rs, tokens.refresh_token!, { token_type_hint: 'refresh_token' });
    expect(await client.tokenIntrospection(rs, tokens.access_token)).toEqual({ active: false });
  });
});
