import { createManualClock } from '@lingpai/auth-core';
import { createSandbox, type Sandbox } from '@lingpai/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listUserIdentities } from '../src/social/identity-repository.js';
import {
  codeOf,
  describeInteraction,
  exchange,
  FIRST,
  registerCodeFlowClients,
  SPA,
  type StartedFlow,
  startFlow,
} from './support/authorization-code-fixtures.js';
import { jwtClaims, locationOf, TestBrowser } from './support/interaction-browser.js';
import { consentAtPlatform, SANDBOX_PROVIDER_IDS, sandboxServerOptions } from './support/social-sandbox.js';
import { backends, startTestServer, TEST_ISSUER, type TestServer } from './support/test-app.js';

describe.each(backends())('social login on the login page (%s)', (_name, backend) => {
  let sandbox: Sandbox;
  let server: TestServer;
  const clock = createManualClock(Date.parse('2026-12-01T00:00:00Z'));

  beforeAll(async () => {
    sandbox = await createSandbox({ clock });
    server = await startTestServer(backend, { clock, ...sandboxServerOptions(await sandbox.listen()) });
    await registerCodeFlowClients(server);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await sandbox?.close();
  });

  /** The page's button: POST …/provider/:provider, then the platform's page; returns the callback URL. */
  async function platformLogin(flow: StartedFlow, providerId: string, user: string): Promise<URL> {
    const described = await describeInteraction(flow.browser, flow.interaction);
    const start = await flow.browser.fetchPost(
      `/auth/v1/interaction/${flow.interaction}/provider/${providerId}`,
      {},
      { 'x-csrf-token': described.csrf_token },
    );
    expect(start.statusCode, start.body).toBe(200);
    const callback = await consentAtPlatform(start.json().redirect_to, user);
    expect(callback.origin + callback.pathname).toBe(
      `${TEST_ISSUER}/auth/v1/interaction/provider/${providerId}/callback`,
    );
    return callback;
  }

  const path = (url: URL) => url.pathname + url.search;

  it('lists every configured platform as a login method', async () => {
    const flow = await startFlow(server);
    const described = await describeInteraction(flow.browser, flow.interaction);
    const providers = (described.login_methods as Array<{ type: string; provider_id?: string }>)
      .filter((method) => method.type === 'provider')
      .map((method) => method.provider_id);
    expect(providers).toEqual([...SANDBOX_PROVIDER_IDS]);
  });

  it.each([['github'], ['wechat'], ['alipay']])(
    '%s: a first login signs up and completes the interaction; the next one finds the same user',
    async (providerId) => {
      const first = await startFlow(server, { client: FIRST.id, redirectUri: FIRST.redirectUri });
      const callback = await platformLogin(first, providerId, 'carol');
      const back = await first.browser.navigate(path(callback));
      expect(back.statusCode, back.body).toBe(302);
      const redirect = locationOf(back);
      // A first-party client: the login completes the interaction, straight to the client with a code.
      expect(redirect.origin + redirect.pathname).toBe(FIRST.redirectUri);
      expect(redirect.searchParams.get('state')).toBe(first.state);
      const tokens = await exchange(server, {
        code: codeOf(redirect),
        verifier: first.verifier,
        redirectUri: FIRST.redirectUri,
        client: FIRST.id,
      });
      expect(tokens.statusCode, tokens.body).toBe(200);
      const claims = jwtClaims(tokens.json().id_token);
      expect(claims.amr).toEqual(['fed']);
      const sub = String(claims.sub);
      expect((await listUserIdentities(server.db, sub)).map((identity) => identity.id)).toEqual([providerId]);

      // Another browser, the same person: the same user.
      const second = await startFlow(server, { client: FIRST.id, redirectUri: FIRST.redirectUri });
      const again = await second.browser.navigate(path(await platformLogin(second, providerId, 'carol')));
      const code = codeOf(locationOf(again));
      const more = await exchange(server, {
        code,
        verifier: second.verifier,
        redirectUri: FIRST.redirectUri,
        client: FIRST.id,
      });
      expect(jwtClaims(more.json().id_token).sub).toBe(sub);
    },
  );

  it('a third-party client goes back to the login page for consent', async () => {
    const flow = await startFlow(server, { client: SPA.id, redirectUri: SPA.redirectUri });
    const back = await flow.browser.navigate(path(await platformLogin(flow, 'google', 'bob')));
    expect(back.statusCode).toBe(302);
    const page = locationOf(back);
    expect(page.pathname).toBe('/login');
    expect(page.searchParams.get('interaction')).toBe(flow.interaction);
    const described = await describeInteraction(flow.browser, flow.interaction);
    expect(described).toMatchObject({ needs_login: false, needs_consent: true });
  });

  it('a callback carried to another browser logs nobody in, and a callback is single use', async () => {
    const flow = await startFlow(server, { client: FIRST.id, redirectUri: FIRST.redirectUri });
    const callback = await platformLogin(flow, 'qq', 'alice');
    const stranger = new TestBrowser(server.app);
    const stolen = await stranger.navigate(path(callback));
    expect(stolen.statusCode).toBe(404);
    expect(stolen.json()).toMatchObject({ error: 'not_found' });
    expect(stranger.cookies.has('lp_session')).toBe(false);
    // The stranger's try used the pending login up: the owner starts again.
    const replay = await flow.browser.navigate(path(callback));
    expect(replay.statusCode).toBe(400);
    expect(replay.json()).toMatchObject({ error: 'invalid_request' });

    const retry = await platformLogin(flow, 'qq', 'alice');
    expect((await flow.browser.navigate(path(retry))).statusCode).toBe(302);
    expect((await flow.browser.navigate(path(retry))).json()).toMatchObject({ error: 'invalid_request' });
  });

  it('a refused login goes back to the login page with the reason, the interaction still open', async () => {
    const flow = await startFlow(server, { client: FIRST.id, redirectUri: FIRST.redirectUri });
    const callback = await platformLogin(flow, 'wechat_mp', 'snapshot');
    const back = await flow.browser.navigate(path(callback));
    expect(back.statusCode).toBe(302);
    const page = locationOf(back);
    expect(page.pathname).toBe('/login');
    expect(page.searchParams.get('error')).toBe('permission_denied');
    const described = await describeInteraction(flow.browser, flow.interaction);
    expect(described.needs_login).toBe(true);
  });

  it('a platform login alone does not sign in a user who needs a second factor', async () => {
    const first = await startFlow(server, { client: FIRST.id, redirectUri: FIRST.redirectUri });
    const signedUp = await first.browser.navigate(path(await platformLogin(first, 'weibo', 'alice')));
    const tokens = await exchange(server, {
      code: codeOf(locationOf(signedUp)),
      verifier: first.verifier,
      redirectUri: FIRST.redirectUri,
      client: FIRST.id,
    });
    const sub = String(jwtClaims(tokens.json().id_token).sub);
    await server.db.query('UPDATE users SET two_factor_enabled = true WHERE sub = $1', [sub]);
    const flow = await startFlow(server, { client: FIRST.id, redirectUri: FIRST.redirectUri });
    const back = await flow.browser.navigate(path(await platformLogin(flow, 'weibo', 'alice')));
    const page = locationOf(back);
    expect(page.pathname).toBe('/login');
    expect(page.searchParams.get('error')).toBe('two_factor_required');
    expect((await describeInteraction(flow.browser, flow.interaction)).needs_login).toBe(true);
  });

  it('needs the CSRF token and an interaction of this browser to start', async () => {
    const flow = await startFlow(server);
    const noCsrf = await flow.browser.fetchPost(
      `/auth/v1/interaction/${flow.interaction}/provider/github`,
      {},
    );
    expect(noCsrf.statusCode).toBe(403);
    const described = await describeInteraction(flow.browser, flow.interaction);
    const unknown = await flow.browser.fetchPost(
      `/auth/v1/interaction/${flow.interaction}/provider/myspace`,
      {},
      { 'x-csrf-token': described.csrf_token },
    );
    expect(unknown.json()).toMatchObject({ error: 'invalid_request' });
    const other = new TestBrowser(server.app);
    const foreign = await other.fetchPost(
      `/auth/v1/interaction/${flow.interaction}/provider/github`,
      {},
      { 'x-csrf-token': described.csrf_token },
    );
    expect(foreign.statusCode).toBe(404);
  });
});
