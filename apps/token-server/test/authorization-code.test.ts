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
} from './support/authorization-code-fixtures.js';
import {
  interactionIdOf,
  jwtClaims,
  locationOf,
  pkcePair,
  TestBrowser,
} from './support/interaction-browser.js';
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

    // prompt=consent asks again even with consent on record (OIDC Core §3.1.2.1).
    const asked = await startFlow(server, {
      browser: flow.browser,
      scope: 'user',
      extra: { prompt: 'consent' },
    });
    expect(await describeInteraction(asked.browser, asked.interaction)).toMatchObject({
      needs_login: false,
      needs_consent: true,
    });

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

  describe('/auth/v1/authorize refuses', () => {
    const valid = () => {
      const { challenge } = pkcePair();
      return {
        response_type: 'code',
        client_id: SPA.id,
        redirect_uri: SPA.redirectUri,
        scope: 'user',
        state: 'xyz',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      } as Record<string, string | undefined>;
    };

    it.each([
      ['an unknown client', { client_id: 'nobody' }],
      ['a missing client_id', { client_id: undefined }],
      ['a missing redirect_uri', { redirect_uri: undefined }],
      ['an unregistered redirect_uri', { redirect_uri: 'https://evil.example/cb' }],
      ['a redirect_uri with a trailing slash (exact match only)', { redirect_uri: `${SPA.redirectUri}/` }],
      [
        'a redirect_uri with an added query',
        { redirect_uri: `${SPA.redirectUri}?next=https://evil.example` },
      ],
      ['a redirect_uri differing in case', { redirect_uri: SPA.redirectUri.replace('cb', 'CB') }],
      ['another client’s redirect_uri', { redirect_uri: WEB.redirectUri }],
    ])('%s with an error page on our origin, never a redirect (open redirector)', async (_label, change) => {
      const response = await new TestBrowser(server.app).authorize({ ...valid(), ...change });
      expect(response.statusCode).toBe(400);
      expect(response.headers.location).toBeUndefined();
      expect(response.json()).toMatchObject({ error: 'invalid_request', error_code: 4000 });
    });

    it('a parameter given twice with an error page, never a redirect (RFC 6749 §3.1)', async () => {
      const query = new URLSearchParams(valid() as Record<string, string>);
      query.append('redirect_uri', 'https://evil.example/cb');
      const response = await new TestBrowser(server.app).navigate(`/auth/v1/authorize?${query}`);
      expect(response.statusCode).toBe(400);
      expect(response.headers.location).toBeUndefined();
    });

    it.each([
      ['response_type=token (implicit)', { response_type: 'token' }, 'unsupported_response_type'],
      ['no response_type', { response_type: undefined }, 'invalid_request'],
      ['a scope the client was not given', { scope: 'user admin' }, 'invalid_scope'],
      [
        'a public client without PKCE',
        { code_challenge: undefined, code_challenge_method: undefined },
        'invalid_request',
      ],
      [
        'PKCE plain (downgrade)',
        { code_challenge_method: 'plain', code_challenge: 'a'.repeat(43) },
        'invalid_request',
      ],
      ['a challenge without a method (means plain)', { code_challenge_method: undefined }, 'invalid_request'],
      [
        'an S256 challenge that is not 43 base64url characters',
        { code_challenge: 'short' },
        'invalid_request',
      ],
      ['an unknown challenge method', { code_challenge_method: 'S512' }, 'invalid_request'],
      ['prompt=none without a login session', { prompt: 'none' }, 'login_required'],
      ['prompt=none combined with login', { prompt: 'none login' }, 'invalid_request'],
      ['an unknown prompt', { prompt: 'select_everything' }, 'invalid_request'],
      ['a non-numeric max_age', { max_age: '-1' }, 'invalid_request'],
      ['a request object (JAR)', { request: 'eyJ...' }, 'request_not_supported'],
      ['response_mode=fragment', { response_mode: 'fragment' }, 'invalid_request'],
    ])('%s by redirecting with error, state and iss (RFC 9207)', async (_label, change, error) => {
      const response = await new TestBrowser(server.app).authorize({ ...valid(), ...change });
      expect(response.statusCode).toBe(303);
      const location = locationOf(response);
      expect(`${location.origin}${location.pathname}`).toBe(SPA.redirectUri);
      expect(location.searchParams.get('error')).toBe(error);
      expect(location.searchParams.get('error_description')).toEqual(expect.any(String));
      expect(location.searchParams.get('state')).toBe('xyz');
      expect(location.searchParams.get('iss')).toBe(TEST_ISSUER);
      expect(location.searchParams.get('code')).toBeNull();
    });

    it('a client registered without the authorization_code grant (unauthorized_client)', async () => {
      const response = await new TestBrowser(server.app).authorize({
        ...valid(),
        client_id: NO_CODE.id,
        redirect_uri: NO_CODE.redirectUri,
      });
      expect(locationOf(response).searchParams.get('error')).toBe('unauthorized_client');
    });

    it('prompt=none with a login session but no consent on record (consent_required)', async () => {
      const flow = await startFlow(server, { client: FIRST.id, redirectUri: FIRST.redirectUri });
      await loginAndConsent(flow);
      const response = await flow.browser.authorize({ ...valid(), prompt: 'none', scope: 'profile' });
      expect(locationOf(response).searchParams.get('error')).toBe('consent_required');
      // …while the first-party client, which needs none, gets its code silently.
      const silent = await flow.browser.authorize({
        ...valid(),
        client_id: FIRST.id,
        redirect_uri: FIRST.redirectUri,
        prompt: 'none',
      });
      expect(locationOf(silent).searchParams.get('code')).toEqual(expect.any(String));
    });
  });

  describe('prompt and max_age with a login session', () => {
    async function loggedInBrowser(): Promise<TestBrowser> {
      const flow = await startFlow(server, { client: FIRST.id, redirectUri: FIRST.redirectUri });
      await loginAndConsent(flow);
      return flow.browser;
    }
    const request = (extra: Record<string, string>) => ({
      response_type: 'code',
      client_id: FIRST.id,
      redirect_uri: FIRST.redirectUri,
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      ...extra,
    });

    it('prompt=login sends a logged-in user back to the login page, and the new login is what auth_time says', async () => {
      const browser = await loggedInBrowser();
      server.clock.advance(60_000);
      const { verifier, challenge } = pkcePair();
      const response = await browser.authorize(request({ prompt: 'login', code_challenge: challenge }));
      const interaction = interactionIdOf(response);
      expect(await describeInteraction(browser, interaction)).toMatchObject({ needs_login: true });
      const reloginAt = server.clock.now();
      const redirect = await loginAndConsent({ browser, interaction, verifier, state: '' });
      const tokens = await exchange(server, {
        code: codeOf(redirect),
        verifier,
        client: FIRST.id,
        redirectUri: FIRST.redirectUri,
      });
      expect(jwtClaims(tokens.json().access_token).auth_time).toBe(Math.floor(reloginAt / 1_000));
    });

    it('max_age older than the login sends the user to log in again; a fresh enough login does not', async () => {
      const browser = await loggedInBrowser();
      server.clock.advance(120_000);
      const fresh = await browser.authorize(request({ max_age: '300' }));
      expect(locationOf(fresh).searchParams.get('code')).toEqual(expect.any(String));
      const stale = await browser.authorize(request({ max_age: '60' }));
      expect(await describeInteraction(browser, interactionIdOf(stale))).toMatchObject({ needs_login: true });
      const zero = await browser.authorize(request({ max_age: '0' }));
      expect(interactionIdOf(zero)).toEqual(expect.any(String));
      const none = await browser.authorize(request({ max_age: '60', prompt: 'none' }));
      expect(locationOf(none).searchParams.get('error')).toBe('login_required');
    });

    it('an expired login session is no session (lifetimes.loginSession)', async () => {
      const browser = await loggedInBrowser();
      server.clock.advance(server.app.lingpai.config.lifetimes.loginSession * 1_000 + 1_000);
      const response = await browser.authorize(request({ prompt: 'none' }));
      expect(locationOf(response).searchParams.get('error')).toBe('login_required');
    });
  });

  describe('the token request', () => {
    async function issuedCode(options: Parameters<typeof startFlow>[1] = {}) {
      const flow = await startFlow(server, options);
      const redirect = await loginAndConsent(flow);
      return { code: codeOf(redirect), verifier: flow.verifier };
    }

    it('refuses a wrong code_verifier, without burning the code for the real client', async () => {
      const { code, verifier } = await issuedCode();
      const wrong = await exchange(server, { code, verifier: pkcePair().verifier });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json()).toMatchObject({ error: 'invalid_grant', error_code: 4001 });
      const right = await exchange(server, { code, verifier });
      expect(right.statusCode, right.body).toBe(200);
    });

    it('refuses a code whose challenge is not answered (no code_verifier)', async () => {
      const { code } = await issuedCode();
      const response = await exchange(server, { code });
      expect(response.json()).toMatchObject({ error: 'invalid_grant' });
    });

    it('refuses a malformed code_verifier (RFC 7636: 43–128 unreserved characters)', async () => {
      const { code } = await issuedCode();
      for (const verifier of ['x'.repeat(42), 'x'.repeat(129), `${'x'.repeat(42)}+`]) {
        const response = await exchange(server, { code, verifier });
        expect(response.json()).toMatchObject({ error: 'invalid_request' });
      }
    });

    it('refuses a code_verifier for a code issued without a challenge (PKCE downgrade, RFC 9700 §4.8)', async () => {
      const browser = new TestBrowser(server.app);
      const response = await browser.authorize({
        response_type: 'code',
        client_id: WEB.id,
        redirect_uri: WEB.redirectUri,
        scope: 'user',
      });
      const redirect = await loginAndConsent({
        browser,
        interaction: interactionIdOf(response),
        verifier: '',
        state: '',
      });
      const code = codeOf(redirect);
      const downgraded = await exchange(server, {
        code,
        verifier: pkcePair().verifier,
        client: WEB.id,
        secret: server.webSecret,
        redirectUri: WEB.redirectUri,
      });
      expect(downgraded.json()).toMatchObject({ error: 'invalid_grant' });
      // The confidential client without PKCE on both sides is fine.
      const plain = await exchange(server, {
        code,
        client: WEB.id,
        secret: server.webSecret,
        redirectUri: WEB.redirectUri,
      });
      expect(plain.statusCode, plain.body).toBe(200);
    });

    it('refuses a redirect_uri that differs from the authorization request’s, and a missing one', async () => {
      const { code, verifier } = await issuedCode();
      const other = await exchange(server, { code, verifier, redirectUri: `${SPA.redirectUri}/` });
      expect(other.json()).toMatchObject({ error: 'invalid_grant' });
      const form = new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        client_id: SPA.id,
      });
      const missing = await server.app.inject({
        method: 'POST',
        url: '/auth/v1/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form.toString(),
      });
      expect(missing.json()).toMatchObject({ error: 'invalid_request' });
    });

    it('refuses a code presented by another client (bound to client_id)', async () => {
      const { code, verifier } = await issuedCode();
      const stolen = await exchange(server, { code, verifier, client: FIRST.id });
      expect(stolen.json()).toMatchObject({ error: 'invalid_grant' });
      expect((await exchange(server, { code, verifier })).statusCode).toBe(200);
    });

    it('refuses a code older than lifetimes.authorizationCode (60 s)', async () => {
      const { code, verifier } = await issuedCode();
      server.clock.advance(60_000);
      const response = await exchange(server, { code, verifier });
      expect(response.json()).toMatchObject({ error: 'invalid_grant' });
    });

    it('code reuse is refused and revokes what the code issued (RFC 6749 §4.1.2)', async () => {
      const { code, verifier } = await issuedCode();
      const first = await exchange(server, { code, verifier });
      expect(first.statusCode).toBe(200);
      const { access_token: accessToken, refresh_token: refreshToken } = first.json();
      const sid = jwtClaims(accessToken).sid as string;
      expect(server.app.lingpai.revoked.isRevoked(sid)).toBe(false);

      const replay = await exchange(server, { code, verifier });
      expect(replay.json()).toMatchObject({ error: 'invalid_grant' });
      expect(server.app.lingpai.revoked.isRevoked(sid)).toBe(true);
      expect(server.app.lingpai.verifier.verify(accessToken)).toBeUndefined();
      const refresh = await server.app.inject({
        method: 'POST',
        url: '/auth/v1/token',
        payload: { grant_type: 'refresh_token', client_id: SPA.id, refresh_token: refreshToken },
      });
      expect(refresh.json()).toMatchObject({ error: 'invalid_grant' });
    });

    it('refuses a client without the authorization_code grant at the token endpoint too', async () => {
      const response = await exchange(server, { code: 'x'.repeat(43), client: NO_CODE.id });
      expect(response.json()).toMatchObject({ error: 'unauthorized_client' });
    });

    it('50 parallel exchanges of one code: exactly one succeeds', async () => {
      const { code, verifier } = await issuedCode();
      const results = await Promise.all(
        Array.from({ length: 50 }, () => exchange(server, { code, verifier })),
      );
      const statuses = results.map((response) => response.statusCode);
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status === 400)).toHaveLength(49);
      for (const response of results.filter((r) => r.statusCode === 400)) {
        expect(response.json().error).toBe('invalid_grant');
      }
      // The losers are reuses: what the winner got is revoked too, and only one family ever existed.
      const winner = results.find((response) => response.statusCode === 200)!.json();
      expect(server.app.lingpai.revoked.isRevoked(jwtClaims(winner.access_token).sid as string)).toBe(true);
    });
  });
});
