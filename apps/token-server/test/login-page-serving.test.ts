import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_INDEX_HTML as INDEX_HTML, writeFixturePage } from './support/login-page-fixture.js';
import { startTestServer, TEST_ISSUER, type TestServer } from './support/test-app.js';

const SANDBOX_WECHAT = 'http://127.0.0.1:4010';
const EXPECTED_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: http://127.0.0.1:4010; " +
  "connect-src 'self'; frame-src http://127.0.0.1:4010; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

describe('the login page is served under /login', () => {
  let server: TestServer;
  const fixture = writeFixturePage();
  const root = fixture.root;

  beforeAll(async () => {
    server = await startTestServer(
      { kind: 'pglite' },
      {
        loginPage: { root, showTokens: true },
        social: {
          wechat: {
            provider: 'wechat',
            appId: 'wx-site',
            clientSecret: 'secret-secret',
            baseURL: `${SANDBOX_WECHAT}/wechat`,
          },
          wechat_mp: {
            provider: 'wechat',
            appId: 'wx-mp',
            clientSecret: 'secret-secret',
            platform: 'official-account',
            baseURL: `${SANDBOX_WECHAT}/wechat`,
          },
          github: {
            provider: 'github',
            clientId: 'gh',
            clientSecret: 'secret-secret',
            baseURL: 'http://127.0.0.1:4011/github',
          },
        },
      },
    );
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    fixture.remove();
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    server.app.inject({ method: 'GET', url, headers });

  function expectPageHeaders(response: Awaited<ReturnType<typeof get>>) {
    expect(response.headers['content-security-policy']).toBe(EXPECTED_CSP);
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  }

  it.each([
    '/login',
    '/login/',
    '/login/index.html',
    '/login/account',
    '/login/callback?code=abc&state=xyz',
    '/login/device?user_code=BCDF-GHJK',
    '/login/signup?interaction=abc',
    '/login/some/deeper/route',
  ])('%s answers index.html, not cached, with the headers', async (url) => {
    const response = await get(url);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.body).toBe(INDEX_HTML);
    expectPageHeaders(response);
  });

  it('a HEAD of the page answers the headers without the body', async () => {
    const response = await server.app.inject({ method: 'HEAD', url: '/login' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expectPageHeaders(response);
  });

  it('revalidates index.html by its ETag', async () => {
    const first = await get('/login/account');
    const etag = first.headers.etag as string;
    expect(etag).toBeTruthy();
    const second = await get('/login/account', { 'if-none-match': etag });
    expect(second.statusCode).toBe(304);
    expectPageHeaders(second);
  });

  it('serves the hashed assets immutable for a year, with their types', async () => {
    const js = await get('/login/assets/index-AbC123.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body).toBe('console.log("page")\n');
    expectPageHeaders(js);
    const css = await get('/login/assets/index-DeF456.css');
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it('serves a top-level file of the build by its name, revalidated', async () => {
    const response = await get('/login/favicon.svg');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(response.headers['cache-control']).toBe('no-cache');
  });

  it.each([
    '/login/assets/missing-123.js',
    '/login/assets/',
    '/login/assets/.hidden',
    '/login/missing.js',
    '/login/package.json',
  ])('%s is 404 (never the page under a file name)', async (url) => {
    const response = await get(url);
    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('<div id="app">');
    expectPageHeaders(response);
  });

  it.each([
    '/login/assets/../package.json',
    '/login/assets/../../package.json',
    '/login/assets/%2e%2e/package.json',
    '/login/assets/%2E%2E%2Fpackage.json',
    '/login/assets/..%2f..%2fpackage.json',
    '/login/assets/..%5cpackage.json',
    '/login/assets/%252e%252e%252fpackage.json',
    '/login/assets/index-AbC123.js%00.css',
    '/login/..%2fpackage.json',
    '/login/%2e%2e/%2e%2e/package.json',
  ])('path traversal %s is refused', async (url) => {
    const response = await get(url);
    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('"name"');
    expect(response.body).not.toContain('outside');
  });

  it('over a real socket too, where no client library tidies the path first', async () => {
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.app.server.address() as AddressInfo;
    const raw = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const sent = httpRequest(
          { host: '127.0.0.1', port, path, method: 'GET', timeout: 5_000 },
          (response) => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              body += chunk;
            });
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          },
        );
        sent.on('timeout', () => sent.destroy(new Error(`timed out: ${path}`)));
        sent.on('error', reject);
        sent.end();
      });
    for (const path of [
      '/login/assets/../package.json',
      '/login/assets/../../package.json',
      '/login/assets/../../../package.json',
      '/login/assets/..\\..\\package.json',
      '/login/assets//etc/passwd',
      '/login/../package.json',
    ]) {
      const answer = await raw(path);
      expect([400, 404], path).toContain(answer.status);
      expect(answer.body, path).not.toContain('outside');
    }
    expect((await raw('/login/assets/index-AbC123.js')).status).toBe(200);
  });

  it('GET /login/config.json tells the page about this server', async () => {
    const response = await get('/login/config.json');
    expect(response.statusCode).toBe(200);
    expectPageHeaders(response);
    expect(response.json()).toEqual({
      issuer: TEST_ISSUER,
      env_id: 'test-env',
      client_id: 'lingpai-login',
      scope: 'openid profile email phone user',
      show_tokens: true,
      cross_tab: true,
      // One origin for the website and the official account; GitHub is not framed.
      wechat_origins: [SANDBOX_WECHAT],
    });
  });

  it('GET /device redirects to the page, keeping the query', async () => {
    const plain = await get('/device');
    expect(plain.statusCode).toBe(302);
    expect(plain.headers.location).toBe('/login/device');
    const withCode = await get('/device?user_code=BCDF-GHJK');
    expect(withCode.statusCode).toBe(302);
    expect(withCode.headers.location).toBe('/login/device?user_code=BCDF-GHJK');
    expect(withCode.headers['referrer-policy']).toBe('no-referrer');
  });

  it("registers the page's own client: public, first-party, 10 s grace, its callback", async () => {
    const client = await server.app.lingpai.clients.get('lingpai-login');
    expect(client).toMatchObject({
      kind: 'public',
      firstParty: true,
      refreshGraceSeconds: 10,
      redirectUris: [`${TEST_ISSUER}/login/callback`],
      authMethods: ['none'],
    });
    expect([...(client?.grantTypes ?? [])].sort()).toEqual(['authorization_code', 'refresh_token']);
    for (const scope of ['openid', 'profile', 'user']) expect(client?.scopes).toContain(scope);
  });

  it('the API keeps its own headers: no page CSP outside /login', async () => {
    const response = await get('/healthz');
    expect(response.headers['content-security-policy']).toBeUndefined();
    expect(response.headers['x-frame-options']).toBeUndefined();
  });
});
