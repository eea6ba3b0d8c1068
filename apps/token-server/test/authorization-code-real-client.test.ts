// panva's oauth4webapi, unmodified, runs the authorization code flow with PKCE against the listening
// server: it builds the authorization URL, checks the response's `iss` and `state` (RFC 9207), and
// exchanges the code over real HTTP. The browser part (login, consent) goes through the interaction
// API as the login page will.
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TYPES } from '../src/clients/client.js';
import { interactionIdOf, TestBrowser } from './support/interaction-browser.js';
import { startListeningServer } from './support/listening-server.js';
import { backends, type TestServer } from './support/test-app.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

describe.each(backends())('oauth4webapi runs code + PKCE on %s', (_name, backend) => {
  let server: TestServer & { issuer: string };
  let as: oauth.AuthorizationServer;
  const app: oauth.Client = { client_id: 'rp' };

  beforeAll(async () => {
    server = await startListeningServer(backend);
    await server.addUser('zhao', 'Zhao-Pass-2026!');
    await server.addClient({
      id: 'rp',
      name: 'Relying party',
      kind: 'public',
      grantTypes: [GRANT_TYPES.authorizationCode, GRANT_TYPES.refreshToken],
      scopes: ['openid', 'user'],
      redirectUris: [REDIRECT],
    });
    const issuer = new URL(server.issuer);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', [oauth.allowInsecureRequests]: true }),
    );
  });
  afterAll(async () => server?.close());

  it('authorize → login → consent → validateAuthResponse (iss, state) → code exchange with an ID token', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set('client_id', app.client_id);
    url.searchParams.set('redirect_uri', REDIRECT);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', 'openid user');
    url.searchParams.set('state', state);
    url.searchParams.set('nonce', nonce);
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');

    const browser = new TestBrowser(server.app, server.issuer);
    const interaction = interactionIdOf(await browser.navigate(`${url.pathname}${url.search}`));
    const shown = await browser.fetchGet(`/auth/v1/interaction/${interaction}`);
    const headers = { 'x-csrf-token': shown.json().csrf_token };
    const login = await browser.fetchPost(
      `/auth/v1/interaction/${interaction}/login`,
      { username: 'zhao', password: 'Zhao-Pass-2026!' },
      headers,
    );
    expect(login.statusCode, login.body).toBe(200);
    const consent = await browser.fetchPost(`/auth/v1/interaction/${interaction}/consent`, {}, headers);
    expect(consent.statusCode, consent.body).toBe(200);

    const params = oauth.validateAuthResponse(as, app, new URL(consent.json().redirect_to), state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      app,
      oauth.None(),
      params,
      REDIRECT,
      verifier,
      {
        [oauth.allowInsecureRequests]: true,
      },
    );
    const result = await oauth.processAuthorizationCodeResponse(as, app, response, {
      expectedNonce: nonce,
      requireIdToken: true,
    });
    expect(result.token_type).toBe('bearer');
    expect(result.refresh_token).toEqual(expect.any(String));
    const claims = oauth.getValidatedIdTokenClaims(result);
    expect(claims?.nonce).toBe(nonce);
    expect(claims?.amr).toEqual(['pwd']);

    // The same code again: oauth4webapi sees an OAuth invalid_grant.
    const again = await oauth.authorizationCodeGrantRequest(
      as,
      app,
      oauth.None(),
      params,
      REDIRECT,
      verifier,
      {
        [oauth.allowInsecureRequests]: true,
      },
    );
    const error = await oauth
      .processAuthorizationCodeResponse(as, app, again)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(oauth.ResponseBodyError);
    expect((error as oauth.ResponseBodyError).error).toBe('invalid_grant');
  });

  it('oauth4webapi refuses an error response whose iss is not the server (and accepts ours)', async () => {
    const browser = new TestBrowser(server.app, server.issuer);
    const denied = await browser.navigate(
      `/auth/v1/authorize?client_id=rp&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&state=s1`,
    );
    const location = new URL(denied.headers.location as string);
    expect(location.searchParams.get('error')).toBe('invalid_request'); // PKCE missing
    const error = (() => {
      try {
        return oauth.validateAuthResponse(as, app, location, 's1');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(oauth.AuthorizationResponseError);
    const forged = new URL(location);
    forged.searchParams.set('iss', 'https://evil.example');
    expect(() => oauth.validateAuthResponse(as, app, forged, 's1')).toThrow();
  });
});
