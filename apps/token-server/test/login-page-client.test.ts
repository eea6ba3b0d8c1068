import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loginPageRoot } from '@lingpai/login-page';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALICE,
  codeOf,
  describeInteraction,
  exchange,
  startFlow,
} from './support/authorization-code-fixtures.js';
import { TestBrowser } from './support/interaction-browser.js';
import { FIXTURE_INDEX_HTML, writeFixturePage } from './support/login-page-fixture.js';
import { sandboxServerOptions } from './support/social-sandbox.js';
import { startTestServer, TEST_ISSUER, type TestServer } from './support/test-app.js';

const PAGE_CLIENT = 'lingpai-login';
const CALLBACK = `${TEST_ISSUER}/login/callback`;
// Nothing listens there: these tests only read the configuration and the login methods.
const SANDBOX = 'http://127.0.0.1:4010';

describe("the page's own client and the login methods it is shown", () => {
  let server: TestServer;
  const fixture = writeFixturePage();

  beforeAll(async () => {
    server = await startTestServer(
      { kind: 'pglite' },
      { loginPage: { root: fixture.root }, ...sandboxServerOptions(SANDBOX) },
    );
    await server.addUser(ALICE.username, ALICE.password);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    fixture.remove();
  });

  it('login_methods name each platform, and the WeChat flow (qr: website, in-wechat: official account)', async () => {
    const flow = await startFlow(server, {
      client: PAGE_CLIENT,
      redirectUri: CALLBACK,
      scope: 'openid profile user',
    });
    const described = await describeInteraction(flow.browser, flow.interaction);
    const providers = (described.login_methods as Array<Record<string, unknown>>).filter(
      (method) => method.type === 'provider',
    );
    expect(providers.find((method) => method.provider_id === 'wechat')).toEqual({
      type: 'provider',
      provider_id: 'wechat',
      name: 'WeChat',
      platform: 'wechat',
      flow: 'qr',
    });
    expect(providers.find((method) => method.provider_id === 'wechat_mp')).toMatchObject({
      platform: 'wechat',
      flow: 'in-wechat',
    });
    expect(providers.find((method) => method.provider_id === 'github')).toEqual({
      type: 'provider',
      provider_id: 'github',
      name: 'GitHub',
      platform: 'github',
    });
    // The mini program has no page; every entry names its platform; only WeChat has a flow.
    expect(providers.map((method) => method.provider_id)).not.toContain('wechat_mini');
    for (const method of providers) {
      expect(typeof method.platform).toBe('string');
      if (method.platform !== 'wechat') expect(method.flow).toBeUndefined();
    }
  });

  it('config.json names the sandbox as the one WeChat origin', async () => {
    const response = await server.app.inject({ url: '/login/config.json' });
    expect(response.json().wechat_origins).toEqual([SANDBOX]);
    expect(response.headers['content-security-policy']).toContain(`frame-src ${SANDBOX};`);
  });

  it('signs itself in without a consent screen (first-party), and the token manages the account', async () => {
    const flow = await startFlow(server, {
      client: PAGE_CLIENT,
      redirectUri: CALLBACK,
      scope: 'openid profile email phone user',
    });
    const described = await describeInteraction(flow.browser, flow.interaction);
    expect(described).toMatchObject({ client: { id: PAGE_CLIENT, first_party: true }, needs_consent: false });
    const login = await flow.browser.fetchPost(`/auth/v1/interaction/${flow.interaction}/login`, ALICE, {
      'x-csrf-token': described.csrf_token,
    });
    expect(login.statusCode, login.body).toBe(200);
    expect(login.json().status).toBe('approved');
    const redirect = new URL(login.json().redirect_to);
    expect(redirect.origin + redirect.pathname).toBe(CALLBACK);
    const tokens = await exchange(server, {
      code: codeOf(redirect),
      verifier: flow.verifier,
      redirectUri: CALLBACK,
      client: PAGE_CLIENT,
    });
    expect(tokens.statusCode, tokens.body).toBe(200);
    const { access_token, refresh_token, scope } = tokens.json();
    expect(scope.split(' ')).toContain('user');
    const me = await server.app.inject({
      url: '/auth/v1/user/me',
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(me.statusCode, me.body).toBe(200);

    // Two tabs refreshing the same token within the 10 s grace both stay signed in…
    const refresh = (token: string) =>
      server.app.inject({
        method: 'POST',
        url: '/auth/v1/token',
        headers: { 'content-type': 'application/json' },
        payload: { grant_type: 'refresh_token', client_id: PAGE_CLIENT, refresh_token: token },
      });
    const first = await refresh(refresh_token);
    expect(first.statusCode, first.body).toBe(200);
    server.clock.advance(9_000);
    const second = await refresh(refresh_token);
    expect(second.statusCode, second.body).toBe(200);
    // …and after it the old token is reuse.
    server.clock.advance(2_000);
    const late = await refresh(refresh_token);
    expect(late.statusCode).toBe(400);
    expect(late.json().error).toBe('invalid_grant');
  });

  it('the page client accepts no other redirect URI', async () => {
    const browser = new TestBrowser(server.app);
    const response = await browser.authorize({
      response_type: 'code',
      client_id: PAGE_CLIENT,
      redirect_uri: 'https://evil.example/login/callback',
      state: 's',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers.location).toBeUndefined();
  });
});

describe('an existing registration of the page client is never changed', () => {
  let server: TestServer;
  const lines: string[] = [];
  const fixture = writeFixturePage();

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    server = await startTestServer(
      { kind: 'pglite' },
      {
        loginPage: { root: fixture.root, clientId: 'my-login' },
        logger: { level: 'warn', stream },
        seed: {
          clients: [
            {
              id: 'my-login',
              kind: 'public',
              grantTypes: ['authorization_code', 'refresh_token'],
              scopes: ['openid', 'user'],
              redirectUris: ['http://127.0.0.1:9999/cb'],
            },
          ],
        },
      },
    );
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    fixture.remove();
  });

  it('keeps what the operator registered and says why the page will fail with it', async () => {
    const client = await server.app.lingpai.clients.get('my-login');
    expect(client).toMatchObject({
      redirectUris: ['http://127.0.0.1:9999/cb'],
      firstParty: false,
      refreshGraceSeconds: 0,
    });
    expect((await server.app.inject({ url: '/login/config.json' })).json().client_id).toBe('my-login');
    const warning = lines
      .map((line) => JSON.parse(line).msg as string)
      .find((msg) => msg.includes('my-login'));
    expect(warning).toMatch(
      /already registered and is not first-party, does not accept http:\/\/127\.0\.0\.1:8080\/login\/callback, lacks scopes/,
    );
    expect(warning).toMatch(/client remove my-login/);
    expect(await server.app.lingpai.clients.get('lingpai-login')).toBeUndefined();
  });
});

describe('loginPage: false', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ kind: 'pglite' }, { loginPage: false });
  }, 60_000);
  afterAll(async () => server?.close());

  it('serves nothing under /login, has no /device page and registers no page client', async () => {
    for (const url of [
      '/login',
      '/login/',
      '/login/account',
      '/login/config.json',
      '/login/assets/a.js',
      '/device',
    ]) {
      const response = await server.app.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error, url).toBe('not_found');
      expect(response.headers['content-security-policy'], url).toBeUndefined();
    }
    expect(await server.app.lingpai.clients.get(PAGE_CLIENT)).toBeUndefined();
  });
});

describe('an issuer the page cannot be redirected to', () => {
  it('plain http off loopback refuses the start, naming https or LINGPAI_LOGIN_PAGE=off', async () => {
    const fixture = writeFixturePage();
    try {
      await expect(
        startTestServer(
          { kind: 'pglite' },
          { issuer: 'http://auth.internal:8080', loginPage: { root: fixture.root } },
        ),
      ).rejects.toThrow(
        /login page's client lingpai-login cannot be registered .*https.*LINGPAI_LOGIN_PAGE=off/,
      );
    } finally {
      fixture.remove();
    }
  });
});

describe('the default page before it is built', () => {
  let server: TestServer;
  const fixture = writeFixturePage();
  const unbuilt = join(fixture.root, '..', 'later');
  beforeAll(async () => {
    mkdirSync(join(unbuilt, 'assets'), { recursive: true });
    server = await startTestServer({ kind: 'pglite' }, { defaultLoginPageRoot: async () => unbuilt });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    fixture.remove();
  });

  it('answers 503 naming the build, keeps the rest, and serves the page once it is built', async () => {
    for (const url of ['/login', '/login/account', '/login/assets/index-AbC123.js']) {
      const response = await server.app.inject({ url });
      expect(response.statusCode, url).toBe(503);
      expect(response.body, url).toContain(`no index.html in ${unbuilt}`);
      expect(response.body, url).toContain('pnpm --filter @lingpai/login-page build');
      expect(response.headers['cache-control'], url).toBe('no-store');
      expect(response.headers['content-security-policy'], url).toContain("frame-ancestors 'none'");
    }
    expect((await server.app.inject({ url: '/login/config.json' })).statusCode).toBe(200);
    expect(await server.app.lingpai.clients.get(PAGE_CLIENT)).toBeDefined();
    // A developer's `pnpm build` while the server runs: no restart needed.
    cpSync(fixture.root, unbuilt, { recursive: true });
    const page = await server.app.inject({ url: '/login/account' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toBe(FIXTURE_INDEX_HTML);
    expect((await server.app.inject({ url: '/login/assets/index-AbC123.js' })).statusCode).toBe(200);
  });
});

describe('the default page: @lingpai/login-page', () => {
  let server: TestServer;
  const built = existsSync(join(loginPageRoot, 'index.html'));
  beforeAll(async () => {
    server = await startTestServer({ kind: 'pglite' });
  }, 60_000);
  afterAll(async () => server?.close());

  it('is the built dist/ of the package (CI builds it before the tests)', async () => {
    if (process.env.CI === 'true') expect(built, `${loginPageRoot} is built in CI`).toBe(true);
    const response = await server.app.inject({ url: '/login' });
    if (!built) {
      expect(response.statusCode).toBe(503);
      expect(response.body).toContain('pnpm --filter @lingpai/login-page build');
      return;
    }
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(readFileSync(join(loginPageRoot, 'index.html'), 'utf8'));
    // Every file the HTML references is served, immutable, and none is inline.
    const references = [...response.body.matchAll(/(?:src|href)="(\/login\/assets\/[^"]+)"/g)].map(
      (m) => m[1]!,
    );
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references) {
      const asset = await server.app.inject({ url: reference });
      expect(asset.statusCode, reference).toBe(200);
      expect(asset.headers['cache-control'], reference).toContain('immutable');
    }
    expect(response.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(response.body).not.toMatch(/<style|\sstyle="/);
  });
});
