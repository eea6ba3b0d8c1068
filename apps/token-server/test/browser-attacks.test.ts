import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TYPES } from '../src/clients/client.js';
import { findPendingDevice, USER_CODE_SITE_FACTOR } from '../src/grants/device-approval.js';
import { ERROR_PAGE_CSP, errorPageHtml } from '../src/interactions/authorize-error-page.js';
import {
  ALICE,
  BOB,
  type CodeFlowServer,
  codeOf,
  describeInteraction,
  exchange,
  FIRST,
  loginAndConsent,
  startCodeFlowServer,
  startFlow,
  WEB,
} from './support/authorization-code-fixtures.js';
import { poll, startDevice, TV_CLIENT } from './support/device-support.js';
import { jwtClaims, pkcePair, TestBrowser } from './support/interaction-browser.js';
import { backends } from './support/test-app.js';

/**
 * An attacker's view of the browser-facing parts (RFC 9700 §2.1/§4, RFC 8628 §5, OIDC), each test
 * named after the attack it pins. Those that found a weakness fail on the code before their fix;
 * the redirect_uri variants pin what already held.
 */
const path = (id: string, action?: string) => `/auth/v1/interaction/${id}${action ? `/${action}` : ''}`;

/** What a browser's top-level navigation sends as Accept. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** A client the test re-registers (remove + add) with other redirect URIs. */
const MOVABLE = { id: 'movable', old: 'https://old.example.com/cb', next: 'https://new.example.com/cb' };

describe('the authorize error page (unit)', () => {
  it('HTML-escapes everything it names (no markup injection through an error description)', () => {
    const html = errorPageHtml({
      code: 'invalid_request',
      errorCode: 4000,
      message: '<script>alert(1)</script> & "quotes" \'too\'',
    });
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;');
  });
});

describe.each(backends())('browser-facing attacks on %s', (_name, backend) => {
  let server: CodeFlowServer;
  beforeAll(async () => {
    server = await startCodeFlowServer(backend);
    await server.app.lingpai.clients.add(TV_CLIENT);
    await server.app.lingpai.clients.add(movable([MOVABLE.old]));
  }, 30_000);
  afterAll(async () => server?.close());

  function movable(redirectUris: string[]) {
    return {
      id: MOVABLE.id,
      name: 'Movable',
      kind: 'public' as const,
      grantTypes: [GRANT_TYPES.authorizationCode],
      scopes: ['user'],
      redirectUris,
    };
  }

  /** The verification page: bind the browser, then submit a user code. */
  async function enterCode(browser: TestBrowser, userCode: string) {
    const prepared = await browser.fetchGet('/auth/v1/interaction/device');
    expect(prepared.statusCode, prepared.body).toBe(200);
    return browser.fetchPost(
      '/auth/v1/interaction/device',
      { user_code: userCode },
      { 'x-csrf-token': prepared.json().csrf_token },
    );
  }

  const validAuthorize = (extra: Record<string, string | undefined> = {}) => ({
    response_type: 'code',
    client_id: WEB.id,
    redirect_uri: WEB.redirectUri,
    scope: 'user',
    state: 'st',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
    ...extra,
  });

  describe('redirect_uri exact matching (RFC 9700 §2.1, §4.1, §4.11): every variant gets the error page', () => {
    it.each([
      ['userinfo that makes the host evil', 'https://app.example.com@evil.example/cb'],
      ['userinfo before the real host', 'https://evil.example@app.example.com/cb'],
      ['an explicit default port', 'https://app.example.com:443/cb'],
      ['another port', 'https://app.example.com:8443/cb'],
      ['http instead of https', 'http://app.example.com/cb'],
      ['path traversal', 'https://app.example.com/cb/../evil'],
      ['a dot segment that normalizes to the same path', 'https://app.example.com/x/../cb'],
      ['percent-encoded path', 'https://app.example.com/%63b'],
      ['a fragment', 'https://app.example.com/cb#frag'],
      ['an empty fragment', 'https://app.example.com/cb#'],
      ['a trailing dot on the host', 'https://app.example.com./cb'],
      ['an upper-case host', 'https://APP.example.com/cb'],
      ['a homoglyph (Cyrillic а) host', 'https://аpp.example.com/cb'],
      ['its punycode form', 'https://xn--pp-8kc.example.com/cb'],
      ['a backslash (parsers disagree)', 'https://app.example.com\\@evil.example/cb'],
      ['an added query', 'https://app.example.com/cb?x=1'],
      ['a sibling subdomain', 'https://evil.app.example.com/cb'],
    ])('%s', async (_label, redirectUri) => {
      const response = await new TestBrowser(server.app).authorize(
        validAuthorize({ redirect_uri: redirectUri }),
      );
      expect(response.statusCode).toBe(400);
      expect(response.headers.location).toBeUndefined();
      expect(response.json()).toMatchObject({ error: 'invalid_request' });
    });
  });

  describe('the authorize error page (unknown client, unregistered redirect_uri)', () => {
    it('a browser gets a static HTML page that cannot run script, be framed or leak a Referer', async () => {
      const cases = [
        validAuthorize({ redirect_uri: 'https://evil.example/cb' }),
        validAuthorize({ client_id: 'nobody' }),
      ];
      for (const query of cases) {
        const response = await server.app.inject({
          method: 'GET',
          url: `/auth/v1/authorize?${new URLSearchParams(query as Record<string, string>)}`,
          headers: { accept: BROWSER_ACCEPT, 'sec-fetch-mode': 'navigate' },
        });
        expect(response.statusCode).toBe(400);
        expect(response.headers.location).toBeUndefined();
        expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(response.headers['content-security-policy']).toBe(ERROR_PAGE_CSP);
        expect(response.headers['x-frame-options']).toBe('DENY');
        expect(response.headers['referrer-policy']).toBe('no-referrer');
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.body).toMatch(/^<!doctype html>/);
        expect(response.body).toContain('invalid_request');
        expect(response.body).not.toMatch(/<script|<style|style=|<a |<img|<link|<form|https?:\/\//i);
      }
    });

    it('a duplicated parameter (refused by the schema, before the route) gets the same page', async () => {
      const query = new URLSearchParams(validAuthorize() as Record<string, string>);
      query.append('redirect_uri', 'https://evil.example/cb');
      const response = await server.app.inject({
        method: 'GET',
        url: `/auth/v1/authorize?${query}`,
        headers: { accept: BROWSER_ACCEPT },
      });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['content-security-policy']).toBe(ERROR_PAGE_CSP);
    });

    it('Accept: application/json (and no Accept) keeps the JSON error, with the same protective headers', async () => {
      for (const accept of ['application/json', 'application/json, text/html', undefined]) {
        const response = await server.app.inject({
          method: 'GET',
          url: `/auth/v1/authorize?${new URLSearchParams(validAuthorize({ client_id: 'nobody' }) as Record<string, string>)}`,
          headers: accept === undefined ? {} : { accept },
        });
        expect(response.statusCode).toBe(400);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(response.json()).toMatchObject({ error: 'invalid_request', error_code: 4000 });
        expect(response.headers['x-frame-options']).toBe('DENY');
        expect(response.headers['referrer-policy']).toBe('no-referrer');
      }
    });
  });

  describe('credential leakage via Referer (RFC 9700 §4.2.4) and clickjacking (§4.16)', () => {
    it('every authorize redirect (to the login page, with a code, with an error) carries Referrer-Policy: no-referrer', async () => {
      const browser = new TestBrowser(server.app);
      const toLogin = await browser.authorize(validAuthorize());
      const toError = await browser.authorize(validAuthorize({ response_type: 'token' }));
      for (const response of [toLogin, toError]) {
        expect(response.statusCode).toBe(303);
        expect(response.headers['referrer-policy']).toBe('no-referrer');
      }
    });

    it('interaction answers cannot be framed and send no Referer — refusals included', async () => {
      const flow = await startFlow(server);
      const seen = await flow.browser.fetchGet(path(flow.interaction));
      const refused = await flow.browser.fetchPost(path(flow.interaction, 'login'), ALICE, {
        origin: 'https://evil.example',
      });
      const deviceStart = await flow.browser.fetchGet('/auth/v1/interaction/device');
      expect(seen.statusCode).toBe(200);
      expect(refused.statusCode).toBe(403);
      for (const response of [seen, refused, deviceStart]) {
        expect(response.headers['content-security-policy']).toBe(
          "default-src 'none'; frame-ancestors 'none'",
        );
        expect(response.headers['x-frame-options']).toBe('DENY');
        expect(response.headers['referrer-policy']).toBe('no-referrer');
        expect(response.headers['cache-control']).toBe('no-store');
      }
    });
  });

  describe('a consent page that outlives its sign-in (shared computer)', () => {
    it('after another user logs in on the browser, the open consent mints no code for the user who left', async () => {
      const left = await startFlow(server, { scope: 'user' });
      const { csrf_token } = await describeInteraction(left.browser, left.interaction);
      const login = await left.browser.fetchPost(path(left.interaction, 'login'), ALICE, {
        'x-csrf-token': csrf_token,
      });
      expect(login.json()).toMatchObject({ status: 'logged_in', needs_consent: true });
      // The next person at the browser signs in as themselves (ending ALICE's login session)…
      const next = await startFlow(server, {
        browser: left.browser,
        client: FIRST.id,
        redirectUri: FIRST.redirectUri,
        extra: { prompt: 'login' },
      });
      await loginAndConsent(next, BOB);
      // …then reopens ALICE's consent page from the history.
      const shown = await describeInteraction(left.browser, left.interaction);
      expect(shown).toMatchObject({ needs_login: true });
      expect(shown.user).toBeUndefined();
      const consent = await left.browser.fetchPost(
        path(left.interaction, 'consent'),
        {},
        {
          'x-csrf-token': csrf_token,
        },
      );
      expect(consent.statusCode).toBe(403);
      expect(consent.json()).toMatchObject({ error: 'login_required' });
      expect(consent.body).not.toContain('code=');
    });

    it('after the login session ends (signed out, revoked), neither an authorize consent nor a device answer goes through', async () => {
      const flow = await startFlow(server, { scope: 'user' });
      const { csrf_token } = await describeInteraction(flow.browser, flow.interaction);
      await flow.browser.fetchPost(path(flow.interaction, 'login'), ALICE, { 'x-csrf-token': csrf_token });
      const device = await startDevice(server.app);
      const started = await enterCode(flow.browser, device.user_code);
      expect(started.json()).toMatchObject({ needs_login: false });
      // What a browser sign-out does to the login session.
      await server.db.query('UPDATE login_sessions SET revoked_at = $1 WHERE revoked_at IS NULL', [
        new Date(server.clock.now()),
      ]);
      const consent = await flow.browser.fetchPost(
        path(flow.interaction, 'consent'),
        {},
        {
          'x-csrf-token': csrf_token,
        },
      );
      expect(consent.statusCode).toBe(403);
      expect(consent.json()).toMatchObject({ error: 'login_required' });
      const { interaction, csrf_token: deviceCsrf } = started.json();
      for (const action of ['consent', 'deny']) {
        const answer = await flow.browser.fetchPost(
          path(interaction, action),
          {},
          { 'x-csrf-token': deviceCsrf },
        );
        expect(answer.statusCode).toBe(403);
        expect(answer.json()).toMatchObject({ error: 'login_required' });
      }
      server.clock.advance(device.interval * 1_000);
      expect((await poll(server.app, device.device_code)).body).toMatchObject({
        error: 'authorization_pending',
      });
    });
  });

  describe('OIDC max_age while the consent page is open', () => {
    it('a login session young enough when the request came but older than max_age at consent must log in again', async () => {
      const signIn = await startFlow(server, { client: FIRST.id, redirectUri: FIRST.redirectUri });
      await loginAndConsent(signIn);
      server.clock.advance(50_000);
      const flow = await startFlow(server, {
        browser: signIn.browser,
        scope: 'openid email',
        extra: { max_age: '60' },
      });
      const { csrf_token, needs_login } = await describeInteraction(flow.browser, flow.interaction);
      expect(needs_login).toBe(false);
      server.clock.advance(30_000);
      expect(await describeInteraction(flow.browser, flow.interaction)).toMatchObject({ needs_login: true });
      const late = await flow.browser.fetchPost(
        path(flow.interaction, 'consent'),
        {},
        {
          'x-csrf-token': csrf_token,
        },
      );
      expect(late.statusCode).toBe(403);
      expect(late.json()).toMatchObject({ error: 'login_required' });
      // A login inside the interaction satisfies it, however long the consent then takes.
      const loginAt = server.clock.now();
      await flow.browser.fetchPost(path(flow.interaction, 'login'), ALICE, { 'x-csrf-token': csrf_token });
      server.clock.advance(90_000);
      const approved = await flow.browser.fetchPost(
        path(flow.interaction, 'consent'),
        {},
        {
          'x-csrf-token': csrf_token,
        },
      );
      expect(approved.statusCode, approved.body).toBe(200);
      const tokens = await exchange(server, {
        code: codeOf(new URL(approved.json().redirect_to)),
        verifier: flow.verifier,
      });
      expect(tokens.statusCode, tokens.body).toBe(200);
      // The ID token says when that login was (OIDC Core §2 auth_time).
      expect(jwtClaims(tokens.json().id_token).auth_time).toBe(Math.floor(loginAt / 1_000));
    });
  });

  describe('silent authentication (OIDC prompt=none)', () => {
    it('prompt=none with a login older than max_age (or max_age=0) answers login_required, never a silent code', async () => {
      const signIn = await startFlow(server, { client: FIRST.id, redirectUri: FIRST.redirectUri });
      await loginAndConsent(signIn);
      server.clock.advance(120_000);
      for (const maxAge of ['60', '0']) {
        const response = await signIn.browser.authorize({
          response_type: 'code',
          client_id: FIRST.id,
          redirect_uri: FIRST.redirectUri,
          state: 'silent',
          code_challenge: pkcePair().challenge,
          code_challenge_method: 'S256',
          prompt: 'none',
          max_age: maxAge,
        });
        const location = new URL(response.headers.location as string);
        expect(location.searchParams.get('error')).toBe('login_required');
        expect(location.searchParams.get('code')).toBeNull();
        expect(location.searchParams.get('state')).toBe('silent');
      }
    });
  });

  describe('open redirection through a stale interaction (RFC 9700 §4.11)', () => {
    it('a redirect_uri the client stopped registering while the consent page was open gets neither the code nor the refusal', async () => {
      const { lingpai } = server.app;
      const flow = await startFlow(server, { client: MOVABLE.id, redirectUri: MOVABLE.old, scope: 'user' });
      const { csrf_token } = await describeInteraction(flow.browser, flow.interaction);
      const login = await flow.browser.fetchPost(path(flow.interaction, 'login'), ALICE, {
        'x-csrf-token': csrf_token,
      });
      expect(login.json()).toMatchObject({ status: 'logged_in', needs_consent: true });
      // The domain was lost: the client is re-registered without it.
      await lingpai.clients.remove(MOVABLE.id);
      await lingpai.clients.add(movable([MOVABLE.next]));
      const consent = await flow.browser.fetchPost(
        path(flow.interaction, 'consent'),
        {},
        {
          'x-csrf-token': csrf_token,
        },
      );
      expect(consent.statusCode).toBe(410);
      expect(consent.json()).toMatchObject({ error: 'interaction_expired' });
      expect(consent.body).not.toContain('old.example.com');
      const deny = await flow.browser.fetchPost(
        path(flow.interaction, 'deny'),
        {},
        {
          'x-csrf-token': csrf_token,
        },
      );
      expect(deny.statusCode).toBe(200);
      expect(deny.json()).toEqual({ status: 'denied' });
      await lingpai.clients.remove(MOVABLE.id);
      await lingpai.clients.add(movable([MOVABLE.old]));
    });

    it('a code issued to a redirect_uri the client has since stopped registering redeems nothing', async () => {
      const { lingpai } = server.app;
      const flow = await startFlow(server, { client: MOVABLE.id, redirectUri: MOVABLE.old, scope: 'user' });
      const code = codeOf(await loginAndConsent(flow));
      await lingpai.clients.remove(MOVABLE.id);
      await lingpai.clients.add(movable([MOVABLE.next]));
      const redeemed = await exchange(server, {
        code,
        verifier: flow.verifier,
        client: MOVABLE.id,
        redirectUri: MOVABLE.old,
      });
      expect(redeemed.statusCode).toBe(400);
      expect(redeemed.json()).toMatchObject({ error: 'invalid_grant' });
      await lingpai.clients.remove(MOVABLE.id);
      await lingpai.clients.add(movable([MOVABLE.old]));
    });
  });

  describe('device user code brute force (RFC 8628 §5.1)', () => {
    const WRONG = ['BCDF-GHJK', 'BCDF-GHJL', 'BCDF-GHJM', 'BCDF-GHJN'];

    it('a parallel burst of wrong user codes gets no more guesses than the per-IP limit', async () => {
      const limit = server.app.lingpai.config.limits.userCodeFailuresPerIp;
      const burst = 4 * limit;
      const results = await Promise.allSettled(
        Array.from({ length: burst }, (_, i) =>
          findPendingDevice(server.app.lingpai, WRONG[i % WRONG.length]!, '198.51.100.200'),
        ),
      );
      const evaluated = results.filter((r) => r.status === 'fulfilled').length;
      const refused = results.filter(
        (r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'rate_limit_exceeded',
      ).length;
      expect(evaluated).toBe(limit);
      expect(refused).toBe(burst - limit);
    });

    it('walking the /64s of one IPv6 /48 gets at most USER_CODE_SITE_FACTOR budgets', async () => {
      const { lingpai } = server.app;
      const limit = lingpai.config.limits.userCodeFailuresPerIp;
      for (let subnet = 0; subnet < USER_CODE_SITE_FACTOR; subnet++) {
        const ip = `2001:db8:48:${subnet.toString(16)}::1`;
        for (let guess = 0; guess < limit; guess++) {
          expect(await findPendingDevice(lingpai, WRONG[guess % WRONG.length]!, ip)).toBeUndefined();
        }
      }
      const device = await startDevice(server.app);
      // The next /64 of that /48 is refused even for a right code; another /48 is not.
      await expect(findPendingDevice(lingpai, device.user_code, '2001:db8:48:ff::1')).rejects.toMatchObject({
        code: 'rate_limit_exceeded',
      });
      expect(await findPendingDevice(lingpai, device.user_code, '2001:db8:49:1::1')).toMatchObject({
        clientId: TV_CLIENT.id,
      });
    });

    it('a right code does not use up its address’s budget', async () => {
      const { lingpai } = server.app;
      const limit = lingpai.config.limits.userCodeFailuresPerIp;
      const device = await startDevice(server.app);
      const ip = '198.51.100.201';
      for (let i = 0; i < limit + 2; i++) {
        expect(await findPendingDevice(lingpai, device.user_code, ip)).toBeDefined();
      }
      for (let i = 0; i < limit; i++) expect(await findPendingDevice(lingpai, WRONG[0]!, ip)).toBeUndefined();
      await expect(findPendingDevice(lingpai, device.user_code, ip)).rejects.toMatchObject({
        code: 'rate_limit_exceeded',
      });
    });
  });

  describe('device approval with a stale sign-in (RFC 8628 §5.4 remote phishing)', () => {
    /** Logs ALICE in at the verification page for a first device and approves it. */
    async function loggedInBrowser(): Promise<TestBrowser> {
      const browser = new TestBrowser(server.app, undefined, '192.0.2.50');
      const first = await startDevice(server.app);
      const started = await enterCode(browser, first.user_code);
      const { interaction, csrf_token } = started.json();
      await browser.fetchPost(path(interaction, 'login'), ALICE, { 'x-csrf-token': csrf_token });
      const approved = await browser.fetchPost(
        path(interaction, 'consent'),
        {},
        { 'x-csrf-token': csrf_token },
      );
      expect(approved.json()).toEqual({ status: 'approved' });
      return browser;
    }

    it('a day-old login session cannot approve a phished device with one click; a fresh login can', async () => {
      const browser = await loggedInBrowser();
      server.clock.advance(86_400_000);
      const phished = await startDevice(server.app);
      const started = await enterCode(browser, phished.user_code);
      expect(started.statusCode, started.body).toBe(200);
      expect(started.json()).toMatchObject({ needs_login: true, client: { id: TV_CLIENT.id } });
      const { interaction, csrf_token } = started.json();
      const oneClick = await browser.fetchPost(
        path(interaction, 'consent'),
        {},
        { 'x-csrf-token': csrf_token },
      );
      expect(oneClick.statusCode).toBe(403);
      expect(oneClick.json()).toMatchObject({ error: 'login_required' });
      server.clock.advance(phished.interval * 1_000);
      expect((await poll(server.app, phished.device_code)).body).toMatchObject({
        error: 'authorization_pending',
      });
      // The person really meant it: they log in again, then approve.
      await browser.fetchPost(path(interaction, 'login'), ALICE, { 'x-csrf-token': csrf_token });
      const approved = await browser.fetchPost(
        path(interaction, 'consent'),
        {},
        { 'x-csrf-token': csrf_token },
      );
      expect(approved.json()).toEqual({ status: 'approved' });
    });

    it('a sign-in that turns stale while the verification page is open must be repeated', async () => {
      const browser = await loggedInBrowser();
      server.clock.advance(8 * 60_000);
      const device = await startDevice(server.app);
      const started = await enterCode(browser, device.user_code);
      expect(started.json()).toMatchObject({ needs_login: false });
      const { interaction, csrf_token } = started.json();
      server.clock.advance(3 * 60_000);
      expect(await describeInteraction(browser, interaction)).toMatchObject({ needs_login: true });
      const late = await browser.fetchPost(path(interaction, 'consent'), {}, { 'x-csrf-token': csrf_token });
      expect(late.statusCode).toBe(403);
      expect(late.json()).toMatchObject({ error: 'login_required' });
    });
  });
});
