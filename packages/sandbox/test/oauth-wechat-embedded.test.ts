import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { SANDBOX_OAUTH_DEFAULTS } from '../src/oauth/index.js';

const web = SANDBOX_OAUTH_DEFAULTS.apps.wechat.default;
const mp = SANDBOX_OAUTH_DEFAULTS.apps.wechat.mp;
const REDIRECT = 'http://127.0.0.1:3000/callback/wechat';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox();
});
afterAll(() => sandbox.close());

function query(extra: Record<string, string>, appId = web.appId, scope = 'snsapi_login'): URLSearchParams {
  return new URLSearchParams({
    appid: appId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope,
    state: 'xyz',
    ...extra,
  });
}

const page = (path: string, params: URLSearchParams) =>
  sandbox.app.inject({ method: 'GET', url: `${path}?${params}` });

/** The `<form …>` opening tag of the picker. */
function formTag(body: string): string {
  const match = /<form [^>]*>/.exec(body);
  expect(match, body).not.toBeNull();
  return match![0];
}

describe("WeChat's qrconnect inside an iframe (wxLogin.js's login_type=jssdk)", () => {
  it.each([
    ['false', '_top'],
    ['default', '_top'],
    [undefined, '_top'],
    ['true', '_self'],
  ] as const)('self_redirect=%s: framable by any origin, the approval targets %s', async (self, target) => {
    const params = query({ login_type: 'jssdk', ...(self === undefined ? {} : { self_redirect: self }) });
    const response = await page('/wechat/connect/qrconnect', params);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-security-policy']).toBe('frame-ancestors *');
    expect(response.headers['x-frame-options']).toBeUndefined();
    expect(formTag(response.body)).toContain(`target="${target}"`);
    // The POST keeps the embedding parameters (hidden fields), and answers the redirect itself.
    expect(response.body).toContain('name="login_type" value="jssdk"');
    const form = new URLSearchParams(params);
    form.set('user', 'alice');
    form.set('decision', 'allow');
    const posted = await sandbox.app.inject({
      method: 'POST',
      url: '/wechat/connect/qrconnect',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form.toString(),
    });
    expect(posted.statusCode).toBe(302);
    const location = new URL(String(posted.headers.location));
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('xyz');
    expect(location.searchParams.get('code')).toMatch(/.{16,}/);
  });

  it('auto=1 moves the top window by script (a redirect would move only the frame)', async () => {
    const response = await page(
      '/wechat/connect/qrconnect',
      query({ login_type: 'jssdk', user: 'alice', auto: '1' }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers.location).toBeUndefined();
    const script = /<script>window\.top\.location\.href = "([^"]+)";<\/script>/.exec(response.body);
    expect(script, response.body).not.toBeNull();
    const target = new URL(script![1]!);
    expect(target.origin + target.pathname).toBe(REDIRECT);
    expect(target.searchParams.get('state')).toBe('xyz');
    expect(response.body).toContain('target="_top"');
  });

  it('auto=1 with self_redirect=true redirects the frame itself', async () => {
    const response = await page(
      '/wechat/connect/qrconnect',
      query({ login_type: 'jssdk', self_redirect: 'true', user: 'alice', auto: '1' }),
    );
    expect(response.statusCode).toBe(302);
    expect(String(response.headers.location)).toMatch(/^http:\/\/127\.0\.0\.1:3000\/callback\/wechat\?code=/);
  });

  it('a redirect URI cannot break out of the script', async () => {
    const response = await page(
      '/wechat/connect/qrconnect',
      query({ login_type: 'jssdk', user: 'alice', auto: '1', state: '</script><script>alert(1)</script>' }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toContain('<script>alert(1)');
  });

  it('every other authorize page stays as it was: no framing header, no form target', async () => {
    for (const [path, params] of [
      ['/wechat/connect/qrconnect', query({})],
      ['/wechat/connect/oauth2/authorize', query({ login_type: 'jssdk' }, mp.appId, 'snsapi_userinfo')],
    ] as const) {
      const response = await page(path, params);
      expect(response.statusCode, path).toBe(200);
      expect(response.headers['content-security-policy'], path).toBeUndefined();
      expect(formTag(response.body), path).not.toContain('target=');
    }
  });
});
