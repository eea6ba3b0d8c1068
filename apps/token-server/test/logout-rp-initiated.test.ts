import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TYPES } from '../src/clients/client.js';
import { ERROR_PAGE_CSP } from '../src/interactions/authorize-error-page.js';
import { signJwt } from '../src/tokens/jwt.js';
import {
  ALICE,
  BOB,
  codeOf,
  exchange,
  registerCodeFlowClients,
  SPA,
  startFlow,
} from './support/authorization-code-fixtures.js';
import { locationOf, TestBrowser } from './support/interaction-browser.js';
import { writeFixturePage } from './support/login-page-fixture.js';
import { startTestServer, TEST_ISSUER, type TestServer } from './support/test-app.js';

/** A first-party relying party (no consent) with a registered logout URI. */
const RP = {
  id: 'rp',
  redirectUri: 'http://127.0.0.1:5000/cb',
  logoutUri: 'http://127.0.0.1:5000/signed-out',
} as const;
type User = { username: string; password: string };
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

interface SignedIn {
  browser: TestBrowser;
  idToken: string;
  accessToken: string;
  refreshToken: string;
}

/**
 * OpenID Connect RP-Initiated Logout 1.0 at `/auth/v1/logout` (src/routes/logout-route.ts): what
 * ends (the hinted refresh family, the browser's login session — server-side, so a replayed cookie
 * is dead too), what is refused (no hint on a navigation, a forged or foreign hint, a hint of
 * another client, an unregistered post_logout_redirect_uri), and the page client's logout URI.
 */
describe('RP-Initiated Logout', () => {
  let server: TestServer;
  const fixture = writeFixturePage();

  beforeAll(async () => {
    server = await startTestServer(
      { kind: 'pglite' },
      { loginPage: { root: fixture.root, captchaModule: '/captcha/hook.js' } },
    );
    await registerCodeFlowClients(server);
    await server.addClient({
      id: RP.id,
      name: 'Relying party',
      kind: 'public',
      grantTypes: [GRANT_TYPES.authorizationCode, GRANT_TYPES.refreshToken],
      scopes: ['openid', 'user', 'profile'],
      redirectUris: [RP.redirectUri],
      logoutUris: [RP.logoutUri],
      firstParty: true,
    });
    await server.addUser(ALICE.username, ALICE.password);
    await server.addUser(BOB.username, BOB.password);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    fixture.remove();
  });

  async function login(browser: TestBrowser, interaction: string, user: User = ALICE): Promise<URL> {
    const view = await browser.fetchGet(`/auth/v1/interaction/${interaction}`);
    const response = await browser.fetchPost(`/auth/v1/interaction/${interaction}/login`, user, {
      'x-csrf-token': view.json().csrf_token,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().status).toBe('approved');
    return new URL(response.json().redirect_to);
  }

  /** A code flow of RP in `browser` (a login when the browser has no login session). */
  async function signIn(browser = new TestBrowser(server.app), user: User = ALICE): Promise<SignedIn> {
    const flow = await startFlow(server, { client: RP.id, redirectUri: RP.redirectUri, browser });
    const redirect = await login(browser, flow.interaction, user);
    const tokens = await exchange(server, {
      code: codeOf(redirect),
      verifier: flow.verifier,
      client: RP.id,
      redirectUri: RP.redirectUri,
    });
    expect(tokens.statusCode, tokens.body).toBe(200);
    const body = tokens.json();
    return {
      browser,
      idToken: body.id_token,
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
    };
  }

  /** Whether `browser`'s login session still signs it straight in (a code at once, no login page). */
  async function skipsLogin(browser: TestBrowser): Promise<boolean> {
    const response = await browser.authorize({
      response_type: 'code',
      client_id: RP.id,
      redirect_uri: RP.redirectUri,
      scope: 'openid user',
      state: 's',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    expect(response.statusCode).toBe(303);
    return locationOf(response).searchParams.has('code');
  }

  /** Whether the session's refresh token still works (rotating it: the session keeps the new one). */
  async function refreshes(session: SignedIn): Promise<boolean> {
    const response = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: session.refreshToken,
        client_id: RP.id,
      }).toString(),
    });
    if (response.statusCode !== 200) return false;
    session.refreshToken = response.json().refresh_token;
    return true;
  }

  const logoutUrl = (params: Record<string, string>) => `/auth/v1/logout?${new URLSearchParams(params)}`;

  it('a valid hint: the session and the login session end, the cookie is cleared, 302 with state', async () => {
    const session = await signIn();
    expect(await skipsLogin(session.browser)).toBe(true);
    const copied = session.browser.cookieHeader()!;
    const response = await session.browser.navigate(
      logoutUrl({
        id_token_hint: session.idToken,
        post_logout_redirect_uri: RP.logoutUri,
        state: 'bye-1',
        ui_locales: 'zh-CN',
      }),
    );
    expect(response.statusCode, response.body).toBe(302);
    expect(response.headers.location).toBe(`${RP.logoutUri}?state=bye-1`);
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    const cleared = session.browser.setCookieHeaders.at(-1)!;
    expect(cleared).toMatch(/^lp_session=; Path=\/; Max-Age=0; HttpOnly/);
    expect(session.browser.cookies.has('lp_session')).toBe(false);
    // The login session no longer skips the login — nor does a copy of the old cookie, replayed.
    expect(await skipsLogin(session.browser)).toBe(false);
    const replay = new TestBrowser(server.app);
    for (const pair of copied.split('; ')) {
      const [name, value] = pair.split('=') as [string, string];
      replay.cookies.set(name, value);
    }
    expect(await skipsLogin(replay)).toBe(false);
    // The hinted sid's refresh token is dead, and so is its access token.
    expect(await refreshes(session)).toBe(false);
    const me = await server.app.inject({
      method: 'GET',
      url: '/auth/v1/user/me',
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    expect(me.statusCode).toBe(401);
  });

  it('without post_logout_redirect_uri a navigation gets the static "signed out" page', async () => {
    const session = await signIn();
    const response = await session.browser.navigate(logoutUrl({ id_token_hint: session.idToken }));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toBe(ERROR_PAGE_CSP);
    expect(response.body).toContain('<main>');
    expect(response.body).toContain('You are signed out');
    expect(await skipsLogin(session.browser)).toBe(false);
  });

  it('a form POST with the hint works like the GET', async () => {
    const session = await signIn();
    const response = session.browser.absorb(
      await server.app.inject({
        method: 'POST',
        url: '/auth/v1/logout',
        headers: {
          cookie: session.browser.cookieHeader()!,
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'http://127.0.0.1:5000',
        },
        payload: new URLSearchParams({
          id_token_hint: session.idToken,
          post_logout_redirect_uri: RP.logoutUri,
        }).toString(),
      }),
    );
    expect(response.statusCode, response.body).toBe(302);
    expect(response.headers.location).toBe(RP.logoutUri);
    expect(await skipsLogin(session.browser)).toBe(false);
    expect(await refreshes(session)).toBe(false);
  });

  it('a cross-site form POST (no SameSite=Lax cookie) is turned into the GET, which ends the login session too', async () => {
    const session = await signIn();
    const form = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/logout',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://127.0.0.1:5000' },
      payload: new URLSearchParams({
        id_token_hint: session.idToken,
        post_logout_redirect_uri: RP.logoutUri,
        state: 'x',
        ui_locales: '',
      }).toString(),
    });
    expect(form.statusCode, form.body).toBe(303);
    const next = new URL(form.headers.location as string, TEST_ISSUER);
    expect(next.pathname).toBe('/auth/v1/logout');
    expect(Object.fromEntries(next.searchParams)).toEqual({
      id_token_hint: session.idToken,
      post_logout_redirect_uri: RP.logoutUri,
      state: 'x',
    });
    // Nothing ended yet; the GET (a top-level navigation, with the cookie) does it all.
    expect(await refreshes(session)).toBe(true);
    const response = await session.browser.navigate(`${next.pathname}${next.search}`);
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe(`${RP.logoutUri}?state=x`);
    expect(await skipsLogin(session.browser)).toBe(false);
    expect(await refreshes(session)).toBe(false);
  });

  it('an expired hint is still accepted (RP-Initiated Logout §2)', async () => {
    const session = await signIn();
    server.clock.advance(2 * 3_600_000);
    const response = await session.browser.navigate(
      logoutUrl({ id_token_hint: session.idToken, post_logout_redirect_uri: RP.logoutUri }),
    );
    expect(response.statusCode, response.body).toBe(302);
    expect(await refreshes(session)).toBe(false);
  });

  /** A refusal: nothing ended (the login session still skips the login, the refresh token works). */
  async function expectRefused(session: SignedIn, params: Record<string, string>, pattern: RegExp) {
    const response = await session.browser.navigate(logoutUrl(params));
    expect(response.statusCode, response.body).toBe(400);
    expect(response.headers.location).toBeUndefined();
    expect(response.json()).toMatchObject({ error: 'invalid_request' });
    expect(response.json().error_description).toMatch(pattern);
    expect(await skipsLogin(session.browser)).toBe(true);
    expect(await refreshes(session)).toBe(true);
  }

  it('refuses an unregistered post_logout_redirect_uri (never an open redirect) and ends nothing', async () => {
    const session = await signIn();
    for (const uri of [
      'https://evil.example/',
      `${RP.logoutUri}/x`,
      RP.redirectUri,
      `${TEST_ISSUER}/login`,
    ]) {
      await expectRefused(
        session,
        { id_token_hint: session.idToken, post_logout_redirect_uri: uri, state: 's' },
        /registered logout URIs/,
      );
    }
    // Without a hint or client_id there is no client to check it against.
    const response = await session.browser.fetchPost('/auth/v1/logout', {
      post_logout_redirect_uri: RP.logoutUri,
    });
    expect(response.statusCode).toBe(400);
  });

  it("refuses a hint for another client (client_id is not the hint's audience)", async () => {
    const session = await signIn();
    await expectRefused(
      session,
      { id_token_hint: session.idToken, client_id: SPA.id, post_logout_redirect_uri: RP.logoutUri },
      /client_id/,
    );
  });

  it('a bare GET without a hint signs nobody out (logout CSRF): JSON error, or the HTML page with <main>', async () => {
    const session = await signIn();
    await expectRefused(session, {}, /id_token_hint is required/);
    await expectRefused(session, { client_id: RP.id, post_logout_redirect_uri: RP.logoutUri }, /required/);
    const page = await session.browser.app.inject({
      method: 'GET',
      url: logoutUrl({ client_id: RP.id }),
      headers: { accept: BROWSER_ACCEPT, cookie: session.browser.cookieHeader()! },
    });
    expect(page.statusCode).toBe(400);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(ERROR_PAGE_CSP);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.body).toMatch(/<html lang="en">[\s\S]*<title>[^<]+<\/title>[\s\S]*<main>[\s\S]*<\/main>/);
    expect(page.body).toContain('invalid_request');
    // A HEAD (prefetchers) is no logout either.
    const head = await server.app.inject({
      method: 'HEAD',
      url: logoutUrl({ id_token_hint: session.idToken }),
    });
    expect(head.statusCode).toBe(404);
    expect(await skipsLogin(session.browser)).toBe(true);
  });

  it("refuses a forged hint, another issuer's, an access token and a refresh token as hint", async () => {
    const session = await signIn();
    const [header, payload, signature] = session.idToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${signature}`;
    const otherIssuer = await signJwt(
      { ...claims, iss: 'https://other.example' },
      server.app.lingpai.keys.current(),
      'JWT',
    );
    for (const hint of [tampered, otherIssuer, session.accessToken, 'not-a-jwt']) {
      await expectRefused(session, { id_token_hint: hint }, /not an ID token issued by this server/);
    }
    // A refresh token in the query is refused before the route (the security hook).
    const response = await session.browser.navigate(
      `${logoutUrl({ id_token_hint: session.idToken })}&refresh_token=${session.refreshToken}`,
    );
    expect(response.statusCode).toBe(400);
    expect(await skipsLogin(session.browser)).toBe(true);
  });

  it("a hint for Alice ends Alice's session but not Bob's login session on that browser", async () => {
    const alice = await signIn();
    const browser = new TestBrowser(server.app);
    const bob = await signIn(browser, BOB);
    const response = await browser.navigate(logoutUrl({ id_token_hint: alice.idToken }));
    expect(response.statusCode).toBe(200);
    expect(await refreshes(alice)).toBe(false);
    expect(await skipsLogin(browser)).toBe(true);
    expect(await refreshes(bob)).toBe(true);
  });

  it("the login page's JSON POST: same origin only, hint optional, answers { redirect_to }", async () => {
    const session = await signIn();
    const crossOrigin = await session.browser.fetchPost(
      '/auth/v1/logout',
      { id_token_hint: session.idToken },
      { origin: 'http://127.0.0.1:5000', 'sec-fetch-site': 'same-site' },
    );
    expect(crossOrigin.statusCode).toBe(403);
    expect(await skipsLogin(session.browser)).toBe(true);
    const withRedirect = await session.browser.fetchPost('/auth/v1/logout', {
      id_token_hint: session.idToken,
      post_logout_redirect_uri: RP.logoutUri,
      state: 'st',
    });
    expect(withRedirect.statusCode, withRedirect.body).toBe(200);
    expect(withRedirect.json()).toEqual({ redirect_to: `${RP.logoutUri}?state=st` });
    expect(await skipsLogin(session.browser)).toBe(false);
    // Without a hint, the same-origin JSON call with the cookie is the proof.
    const second = await signIn();
    const bare = await second.browser.fetchPost('/auth/v1/logout', {});
    expect(bare.statusCode, bare.body).toBe(200);
    expect(bare.json()).toEqual({});
    expect(await skipsLogin(second.browser)).toBe(false);
    // A form POST without a hint is what a cross-site form could send: refused.
    const third = await signIn();
    const form = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/logout',
      headers: {
        cookie: third.browser.cookieHeader()!,
        'content-type': 'application/x-www-form-urlencoded',
        origin: TEST_ISSUER,
      },
      payload: '',
    });
    expect(form.statusCode).toBe(400);
    expect(await skipsLogin(third.browser)).toBe(true);
  });

  it('discovery names end_session_endpoint; the page client may return to /login; config.json has captcha_module', async () => {
    const metadata = await server.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' });
    expect(metadata.json().end_session_endpoint).toBe(`${TEST_ISSUER}/auth/v1/logout`);
    const page = await server.app.lingpai.clients.get('lingpai-login');
    expect(page?.logoutUris).toEqual([`${TEST_ISSUER}/login`]);
    const config = await server.app.inject({ method: 'GET', url: '/login/config.json' });
    expect(config.json().captcha_module).toBe('/captcha/hook.js');
  });

  it('the authorize error page has <main>, lang, a title and the strict headers', async () => {
    const response = await server.app.inject({
      method: 'GET',
      url: `/auth/v1/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'nobody', redirect_uri: 'https://evil.example/cb' })}`,
      headers: { accept: BROWSER_ACCEPT },
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatch(/<html lang="en">[\s\S]*<title>[^<]+<\/title>[\s\S]*<main>[\s\S]*<\/main>/);
    expect(response.headers['content-security-policy']).toBe(ERROR_PAGE_CSP);
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
  });
});

describe('loginPage.captchaModule (config.json captcha_module)', () => {
  it('accepts a same-origin path and refuses anything that could name another origin', async () => {
    const { validCaptchaModule } = await import('../src/login-page/login-page-options.js');
    expect(validCaptchaModule('/captcha/hook.js')).toBe('/captcha/hook.js');
    for (const bad of [
      'https://evil.example/hook.js',
      '//evil.example/hook.js',
      '/\\evil.example/hook.js',
      'captcha/hook.js',
      'javascript:alert(1)',
      '/a//b.js',
      '/a b.js',
      '/a\nb.js',
      '',
      42,
    ]) {
      expect(() => validCaptchaModule(bad), String(bad)).toThrow(/same-origin path starting with "\/"/);
    }
  });
});
