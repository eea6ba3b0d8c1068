import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALICE,
  type CodeFlowServer,
  codeOf,
  describeInteraction,
  exchange,
  FIRST,
  loginAndConsent,
  NO_CODE,
  SPA,
  startCodeFlowServer,
  startFlow,
  WEB,
} from './authorization-code-fixtures.js';
import { interactionIdOf, jwtClaims, locationOf, pkcePair, TestBrowser } from './interaction-browser.js';
import { backends, TEST_ISSUER } from './support/test-app.js';

describe.each(backends())('authorization code with PKCE on %s', (_name, backend) => {
  let server: CodeFlowServer;
  beforeAll(async () => {
    server = await startCodeFlowServer(backend);
  });
  afterAll(async () => server?.close());

  it('runs the whole flow over plain HTTP: authorize → login → consent → code → tokens with the login’s auth_time, amr and nonce', async () => {
    const flow = await startFlow(server, { nonce: 'n-0S6_WzA2Mj', scope: 'openid user' });
    const cookieNames = [...flow.browser.cookies.keys()];
    expect(cookieNames).toEqual(['lp_browser']);
    expect(flow.browser.setCookieHeaders[0]).toMatch(/HttpOnly/);
    expect(flow.browser.setCookieHeaders[0]).toMatch(/SameSite=Lax/);
    // http on 127.0.0.1: no Secure, or the browser would never send it back.
    expect(flow.browser.setCookieHeaders[0]).not.toMatch(/Secure/);

    const shown = await describeInteraction(flow.browser, flow.interaction);
    expect(shown).toMatchObject({
      kind: 'authorize',
      client: { id: SPA.id, name: 'Third-party SPA', first_party: false },
      scopes: ['openid', 'user'],
      needs_login: true,
      needs_consent: true,
    });
    expect(shown.user).toBeUndefined();
    expect(shown.expires_in).toBe(600);

    const loginAt = server.clock.now();
    const redirect = await loginAndConsent(flow);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(SPA.redirectUri);
    expect(redirect.searchParams.get('state')).toBe(flow.state);
    expect(redirect.searchParams.get('iss')).toBe(TEST_ISSUER);
    expect(flow.browser.cookies.has('lp_session')).toBe(true);

    server.clock.advance(5_000);
    const tokens = await exchange(server, { code: codeOf(redirect), verifier: flow.verifier });
    expect(tokens.statusCode, tokens.body).toBe(200);
    const body = tokens.json();
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'openid user', sub: server.aliceSub });
    expect(body.refresh_token).toEqual(expect.any(String));
    expect(tokens.headers['cache-control']).toBe('no-store');
    const idToken = jwtClaims(body.id_token);
    expect(idToken).toMatchObject({
      iss: TEST_ISSUER,
      sub: server.aliceSub,
      aud: SPA.id,
      nonce: 'n-0S6_WzA2Mj',
      amr: ['pwd'],
      auth_time: Math.floor(loginAt / 1_000),
    });
    const access = jwtClaims(body.access_token);
    expect(access).toMatchObject({ client_id: SPA.id, auth_time: Math.floor(loginAt / 1_000) });
    expect(access.sid).toEqual(expect.any(String));
  });

  it('a second authorize in the same browser skips the login (login session) and the consent (on record)', async () => {
    const flow = await startFlow(server, { scope: 'openid user' });
    await loginAndConsent(flow);
    const { challenge, verifier } = pkcePair();
    const again = await flow.browser.authorize({
      response_type: 'code',
      client_id: SPA.id,
      redirect_uri: SPA.redirectUri,
      scope: 'user',
      state: 'second',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expect(again.statusCode).toBe(303);
    const redirect = locationOf(again);
    expect(redirect.searchParams.get('state')).toBe('second');
    const tokens = await exchange(server, { code: codeOf(redirect), verifier });
    expect(tokens.statusCode, tokens.body).toBe(200);
    expect(tokens.json().scope).toBe('user');

    // A scope not consented to yet: the login is skipped, the consent is not.
    const wider = await startFlow(server, { browser: flow.browser, scope: 'user email' });
    expect(await describeInteraction(wider.browser, wider.interaction)).toMatchObject({
      needs_login: false,
      needs_consent: true,
      user: { sub: server.aliceSub, username: 'alice' },
    });
  });

  it('a first-party client never asks for consent: the login completes the interaction', async () => {
    const flow = await startFlow(server, { client: FIRST.id, redirectUri: FIRST.redirectUri });
    const shown = await describeInteraction(flow.browser, flow.interaction);
    expect(shown).toMatchObject({ needs_login: true, needs_consent: false });
    const login = await flow.browser.fetchPost(`/auth/v1/interaction/${flow.interaction}/login`, ALICE, {
      'x-csrf-token': shown.csrf_token,
    });
    expect(login.statusCode, login.body).toBe(200);
    expect(login.json()).toMatchObject({ status: 'approved', user: { sub: server.aliceSub } });
    const redirect = new URL(login.json().redirect_to);
    const tokens = await exchange(server, {
      code: codeOf(redirect),
      verifier: flow.verifier,
      client: FIRST.id,
      redirectUri: FIRST.redirectUri,
    });
    expect(tokens.statusCode, tokens.body).toBe(200);
  });
});
