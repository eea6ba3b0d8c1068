import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookiePolicy, parseCookies, serializeCookie } from '../src/interactions/cookies.js';
import {
  ALICE,
  BOB,
  type CodeFlowServer,
  codeOf,
  describeInteraction,
  exchange,
  SPA,
  SPA_ORIGIN,
  startCodeFlowServer,
  startFlow,
} from './support/authorization-code-fixtures.js';
import { TestBrowser } from './support/interaction-browser.js';
import { backends, TEST_ISSUER } from './support/test-app.js';

describe('the cookie parser and writer', () => {
  it('a cookie name given twice is treated as absent (cookie tossing must not pick the planted one)', () => {
    const cookies = parseCookies('lp_browser=planted; other=1; lp_browser=real');
    expect(cookies.has('lp_browser')).toBe(false);
    expect(cookies.get('other')).toBe('1');
  });

  it('skips malformed pairs without dropping the rest', () => {
    const cookies = parseCookies('bad name=1; =2; ok="quoted"; semi=a,b; x=y z;good=ok');
    expect(cookies.get('ok')).toBe('quoted');
    expect(cookies.get('good')).toBe('ok');
    expect(cookies.has('semi')).toBe(false);
    expect(cookies.has('x')).toBe(false);
  });

  it('ignores an oversized header', () => {
    expect(parseCookies(`a=${'b'.repeat(9_000)}`).size).toBe(0);
  });

  it('writes HttpOnly, SameSite=Lax, Path=/; Secure with the __Host- prefix except for http on localhost', () => {
    expect(cookiePolicy('http://127.0.0.1:8080')).toEqual({
      secure: false,
      names: { browser: 'lp_browser', session: 'lp_session' },
    });
    expect(cookiePolicy('http://localhost:8080').secure).toBe(false);
    expect(cookiePolicy('http://auth.internal:8080').secure).toBe(true);
    const secure = cookiePolicy('https://auth.example.com');
    expect(secure.names.session).toBe('__Host-lp_session');
    expect(serializeCookie(secure.names.session, 'v', { maxAge: 60, secure: true })).toBe(
      '__Host-lp_session=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure',
    );
  });
});

describe.each(backends())('the interaction API on %s', (_name, backend) => {
  let server: CodeFlowServer;
  beforeAll(async () => {
    server = await startCodeFlowServer(backend);
  });
  afterAll(async () => server?.close());

  const path = (id: string, action?: string) => `/auth/v1/interaction/${id}${action ? `/${action}` : ''}`;

  it('is bound to the browser that opened it: another browser (another cookie, or none) gets not_found', async () => {
    const flow = await startFlow(server);
    const { csrf_token } = await describeInteraction(flow.browser, flow.interaction);
    const thief = new TestBrowser(server.app);
    await thief.authorize({}); // no cookie from that
    thief.cookies.set('lp_browser', 'A'.repeat(43));
    for (const browser of [thief, new TestBrowser(server.app)]) {
      const seen = await browser.fetchGet(path(flow.interaction));
      expect(seen.statusCode).toBe(404);
      expect(seen.json()).toMatchObject({ error: 'not_found' });
      const login = await browser.fetchPost(path(flow.interaction, 'login'), ALICE, {
        'x-csrf-token': csrf_token,
      });
      expect(login.statusCode).toBe(404);
    }
    // The owner still can.
    expect((await flow.browser.fetchGet(path(flow.interaction))).statusCode).toBe(200);
  });

  it('a stolen browser cookie from another interaction does not open this one', async () => {
    const mine = await startFlow(server);
    const theirs = await startFlow(server);
    const seen = await theirs.browser.fetchGet(path(mine.interaction));
    expect(seen.statusCode).toBe(404);
  });

  it('POSTs need the synchronizer token from the GET in x-csrf-token', async () => {
    const flow = await startFlow(server);
    const missing = await flow.browser.fetchPost(path(flow.interaction, 'login'), ALICE);
    expect(missing.statusCode).toBe(403);
    expect(missing.json()).toMatchObject({ error: 'permission_denied' });
    const other = await startFlow(server, { browser: flow.browser });
    const { csrf_token: otherToken } = await describeInteraction(flow.browser, other.interaction);
    for (const token of ['forged', otherToken]) {
      const wrong = await flow.browser.fetchPost(path(flow.interaction, 'login'), ALICE, {
        'x-csrf-token': token,
      });
      expect(wrong.statusCode).toBe(403);
    }
    const { csrf_token } = await describeInteraction(flow.browser, flow.interaction);
    const right = await flow.browser.fetchPost(path(flow.interaction, 'login'), ALICE, {
      'x-csrf-token': csrf_token,
    });
    expect(right.statusCode, right.body).toBe(200);
  });

  it('refuses cross-origin calls: a foreign Origin, Sec-Fetch-Site cross-site or same-site, or a POST with neither', async () => {
    const flow = await startFlow(server);
    const { csrf_token } = await describeInteraction(flow.browser, flow.interaction);
    const attempts: Array<Record<string, string | undefined>> = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: SPA_ORIGIN },
      { origin: `${TEST_ISSUER}.evil.example` },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: undefined, 'sec-fetch-site': undefined },
    ];
    for (const headers of attempts) {
      const post = await flow.browser.fetchPost(path(flow.interaction, 'login'), ALICE, {
        'x-csrf-token': csrf_token,
        ...headers,
      });
      expect(post.statusCode, JSON.stringify(headers)).toBe(403);
    }
    const get = await flow.browser.fetchGet(path(flow.interaction), { origin: 'https://evil.example' });
    expect(get.statusCode).toBe(403);
    const crossSiteGet = await flow.browser.fetchGet(path(flow.interaction), {
      'sec-fetch-site': 'cross-site',
    });
    expect(crossSiteGet.statusCode).toBe(403);
  });

  it('never answers CORS, not even for an origin a client registered', async () => {
    const flow = await startFlow(server);
    const preflight = await server.app.inject({
      method: 'OPTIONS',
      url: path(flow.interaction, 'login'),
      headers: {
        origin: SPA_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-csrf-token',
      },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const get = await flow.browser.fetchGet(path(flow.interaction), {
      origin: SPA_ORIGIN,
      'sec-fetch-site': undefined,
    });
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('accepts only JSON bodies (415 for forms, text/plain and none — what a cross-site form can send)', async () => {
    const flow = await startFlow(server);
    const { csrf_token } = await describeInteraction(flow.browser, flow.interaction);
    const bodies: Array<[string | undefined, string]> = [
      ['application/x-www-form-urlencoded', 'username=alice&password=x'],
      ['text/plain', JSON.stringify(ALICE)],
      ['multipart/form-data; boundary=x', '--x--'],
      [undefined, JSON.stringify(ALICE)],
    ];
    for (const [type, payload] of bodies) {
      const response = await flow.browser.fetchPost(path(flow.interaction, 'login'), payload, {
        'x-csrf-token': csrf_token,
        'content-type': type,
      });
      expect(response.statusCode, String(type)).toBe(415);
      expect(response.json()).toMatchObject({ error: 'unsupported_media_type' });
    }
    const json = await flow.browser.fetchPost(path(flow.interaction, 'login'), ALICE, {
      'x-csrf-token': csrf_token,
      'content-type': 'application/json; charset=utf-8',
    });
    expect(json.statusCode, json.body).toBe(200);
  });

  it('yields exactly once: a second consent, and any call after it, gets interaction_expired', async () => {
    const flow = await startFlow(server, { extra: { prompt: 'consent' } });
    const { csrf_token } = await describeInteraction(flow.browser, flow.interaction);
    await flow.browser.fetchPost(path(flow.interaction, 'login'), ALICE, { 'x-csrf-token': csrf_token });
    const headers = { 'x-csrf-token': csrf_token };
    const first = await flow.browser.fetchPost(path(flow.interaction, 'consent'), {}, headers);
    expect(first.statusCode).toBe(200);
    for (const action of ['consent', 'deny', 'abort']) {
      const again = await flow.browser.fetchPost(path(flow.interaction, action), {}, headers);
      expect(again.statusCode, action).toBe(410);
      expect(again.json()).toMatchObject({ error: 'interaction_expired', error_code: 4100 });
    }
    expect((await flow.browser.fetchGet(path(flow.interaction))).statusCode).toBe(410);
  });

  it('yields exactly once under concurrency: 10 parallel consents and denials → one answer, one code', async () => {
    // prompt=consent: alice's consent on record would otherwise let the login complete it.
    const flow = await startFlow(server, { extra: { prompt: 'consent' } });
    const { csrf_token } = await describeInteraction(flow.browser, flow.interaction);
    const headers = { 'x-csrf-token': csrf_token };
    await flow.browser.fetchPost(path(flow.interaction, 'login'), ALICE, headers);
    const before = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM authorization_codes');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        flow.browser.fetchPost(path(flow.interaction, i % 2 === 0 ? 'consent' : 'deny'), {}, headers),
      ),
    );
    expect(results.map((r) => r.statusCode).sort(), results.map((r) => r.body).join()).toEqual([
      200,
      ...Array(9).fill(410),
    ]);
    const after = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM authorization_codes');
    const winner = results.find((response) => response.statusCode === 200)!.json();
    expect(after[0]!.n - before[0]!.n).toBe(winner.status === 'approved' ? 1 : 0);
  });

  it('expires after lifetimes.interaction (10 minutes, manual clock)', async () => {
    const flow = await startFlow(server);
    const { csrf_token } = await describeInteraction(flow.browser, flow.interaction);
    server.clock.advance(599_000);
    expect((await flow.browser.fetchGet(path(flow.interaction))).statusCode).toBe(200);
    server.clock.advance(1_000);
    const seen = await flow.browser.fetchGet(path(flow.interaction));
    expect(seen.statusCode).toBe(410);
    expect(seen.json()).toMatchObject({ error: 'interaction_expired' });
    const login = await flow.browser.fetchPost(path(flow.interaction, 'login'), ALICE, {
      'x-csrf-token': csrf_token,
    });
    expect(login.statusCode).toBe(410);
  });

  it('deny and abort send the client access_denied with state and iss', async () => {
    for (const action of ['deny', 'abort'] as const) {
      const flow = await startFlow(server);
      const { csrf_token } = await describeInteraction(flow.browser, flow.interaction);
      const response = await flow.browser.fetchPost(
        path(flow.interaction, action),
        {},
        { 'x-csrf-token': csrf_token },
      );
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().status).toBe(action === 'deny' ? 'denied' : 'aborted');
      const redirect = new URL(response.json().redirect_to);
      expect(`${redirect.origin}${redirect.pathname}`).toBe(SPA.redirectUri);
      expect(redirect.searchParams.get('error')).toBe('access_denied');
      expect(redirect.searchParams.get('state')).toBe(flow.state);
      expect(redirect.searchParams.get('iss')).toBe(TEST_ISSUER);
      expect(redirect.searchParams.get('code')).toBeNull();
    }
  });

  it('consent needs a login first (login_required), and may approve a subset of the scopes but nothing more', async () => {
    const flow = await startFlow(server, { scope: 'openid user profile' });
    const { csrf_token } = await describeInteraction(flow.browser, flow.interaction);
    const headers = { 'x-csrf-token': csrf_token };
    const early = await flow.browser.fetchPost(path(flow.interaction, 'consent'), {}, headers);
    expect(early.statusCode).toBe(403);
    expect(early.json()).toMatchObject({ error: 'login_required', error_code: 4032 });
    await flow.browser.fetchPost(path(flow.interaction, 'login'), BOB, headers);
    const wider = await flow.browser.fetchPost(
      path(flow.interaction, 'consent'),
      { scopes: ['user', 'email'] },
      headers,
    );
    expect(wider.json()).toMatchObject({ error: 'invalid_scope' });
    const subset = await flow.browser.fetchPost(
      path(flow.interaction, 'consent'),
      { scopes: ['user'] },
      headers,
    );
    expect(subset.statusCode, subset.body).toBe(200);
    const tokens = await exchange(server, {
      code: codeOf(new URL(subset.json().redirect_to)),
      verifier: flow.verifier,
    });
    expect(tokens.json()).toMatchObject({ scope: 'user', sub: server.bobSub });
    expect(tokens.json().id_token).toBeUndefined();
  });

  it('refuses unknown body fields and non-string credentials (strict JSON schema)', async () => {
    const flow = await startFlow(server);
    const { csrf_token } = await describeInteraction(flow.browser, flow.interaction);
    for (const body of [{ ...ALICE, admin: true }, { username: ['alice'], password: 'x' }, {}]) {
      const response = await flow.browser.fetchPost(path(flow.interaction, 'login'), body, {
        'x-csrf-token': csrf_token,
      });
      expect(response.statusCode).toBe(400);
    }
  });

  it('a wrong password is invalid_grant, and the password grant’s brute-force guard applies', async () => {
    const flow = await startFlow(server);
    const { csrf_token } = await describeInteraction(flow.browser, flow.interaction);
    const wrong = { username: 'carol-lockout', password: 'nope' };
    await server.addUser(wrong.username, 'Right-Password-1!');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await flow.browser.fetchPost(path(flow.interaction, 'login'), wrong, {
        'x-csrf-token': csrf_token,
      });
      statuses.push(response.statusCode);
      if (i === 0) expect(response.json()).toMatchObject({ error: 'invalid_grant' });
    }
    expect(statuses.slice(0, 5)).toEqual([400, 400, 400, 400, 400]);
    expect(statuses[5]).toBe(429);
    // Each refused password is one signin_failed row, as at the token endpoint (the lockout is not).
    await server.app.lingpai.audit.flush();
    const failures = await server.db.query<{ detail: { method: string } }>(
      "SELECT detail FROM audit_events WHERE kind = 'signin_failed' AND detail->>'method' = 'pwd'",
    );
    expect(failures.length).toBeGreaterThanOrEqual(5);
    const locked = await flow.browser.fetchPost(
      path(flow.interaction, 'login'),
      { username: wrong.username, password: 'Right-Password-1!' },
      { 'x-csrf-token': csrf_token },
    );
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['retry-after']).toEqual(expect.any(String));
  });

  it('a login replaces the browser’s previous login session (no session fixation)', async () => {
    const flow = await startFlow(server);
    const { csrf_token } = await describeInteraction(flow.browser, flow.interaction);
    await flow.browser.fetchPost(path(flow.interaction, 'login'), ALICE, { 'x-csrf-token': csrf_token });
    const firstSession = flow.browser.cookies.get('lp_session')!;
    const planted = new TestBrowser(server.app);
    planted.cookies.set('lp_session', firstSession);
    const second = await startFlow(server, { browser: flow.browser, extra: { prompt: 'login' } });
    const shown = await describeInteraction(flow.browser, second.interaction);
    await flow.browser.fetchPost(path(second.interaction, 'login'), BOB, {
      'x-csrf-token': shown.csrf_token,
    });
    expect(flow.browser.cookies.get('lp_session')).not.toBe(firstSession);
    // The old session token no longer logs anyone in.
    const reused = await startFlow(server, { browser: planted });
    expect(await describeInteraction(planted, reused.interaction)).toMatchObject({ needs_login: true });
  });
});
