import { createManualClock } from '@lingpai/auth-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { SANDBOX_OAUTH_DEFAULTS, sandboxOauthIds, sandboxOauthUser } from '../src/oauth/index.js';

const { web, mp, mpUnbound, mini } = {
  web: SANDBOX_OAUTH_DEFAULTS.apps.wechat.default,
  mp: SANDBOX_OAUTH_DEFAULTS.apps.wechat.mp,
  mpUnbound: SANDBOX_OAUTH_DEFAULTS.apps.wechat.mpUnbound,
  mini: SANDBOX_OAUTH_DEFAULTS.apps.wechat.mini,
};
const alice = sandboxOauthUser('alice');
const REDIRECT = 'http://127.0.0.1:3000/callback/wechat';
const START = Date.UTC(2026, 0, 5, 4, 0, 0);

let sandbox: Sandbox;
const clock = createManualClock(START);

beforeEach(async () => {
  clock.set(START);
  sandbox = await createSandbox({ clock });
});
afterEach(() => sandbox.close());

async function get(url: string) {
  const response = await sandbox.app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

/** Walks the authorize page like a browser: GET the picker, POST the form, read the redirect. */
async function authorize(appId: string, scope: string, user = 'alice', path = '/wechat/connect/qrconnect') {
  const query = new URLSearchParams({
    appid: appId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope,
    state: 'xyz',
  });
  const page = await sandbox.app.inject({ method: 'GET', url: `${path}?${query}` });
  expect(page.statusCode).toBe(200);
  expect(page.headers['content-type']).toContain('text/html');
  expect(page.body).toContain('<form method="post"');
  const form = new URLSearchParams(query);
  form.set('user', user);
  form.set('decision', 'allow');
  const posted = await sandbox.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form.toString(),
  });
  expect(posted.statusCode).toBe(302);
  const location = new URL(String(posted.headers.location));
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
  expect(location.searchParams.get('state')).toBe('xyz');
  return String(location.searchParams.get('code'));
}

function exchange(app: { appId: string; secret: string }, code: string) {
  return get(
    `/wechat/sns/oauth2/access_token?appid=${app.appId}&secret=${app.secret}&code=${code}&grant_type=authorization_code`,
  );
}

describe('WeChat website login', () => {
  it('authorize → picker → code → token → userinfo, with unionid for a bound app', async () => {
    const code = await authorize(web.appId, 'snsapi_login');
    const token = await exchange(web, code);
    const ids = sandboxOauthIds('wechat', web, alice);
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({
      expires_in: 7200,
      openid: ids.openId,
      scope: 'snsapi_login',
      unionid: ids.unionId,
    });
    expect(ids.openId).toMatch(/^o[A-Za-z0-9]{27}$/);
    const info = await get(
      `/wechat/sns/userinfo?access_token=${token.body.access_token}&openid=${ids.openId}&lang=zh_CN`,
    );
    expect(info.body).toMatchObject({
      openid: ids.openId,
      nickname: '爱丽丝',
      sex: 2,
      unionid: ids.unionId,
      privilege: [],
    });
    // Same person, other app bound to the same Open Platform account: other openid, same unionid.
    const mpIds = sandboxOauthIds('wechat', mp, alice);
    expect(mpIds.openId).not.toBe(ids.openId);
    expect(mpIds.unionId).toBe(ids.unionId);
  });

  it('a code works once (40163) and expires after 5 minutes (42003)', async () => {
    const code = await authorize(web.appId, 'snsapi_login');
    expect((await exchange(web, code)).body).toHaveProperty('access_token');
    const again = await exchange(web, code);
    expect(again.status).toBe(200);
    expect(again.body.errcode).toBe(40163);
    expect(String(again.body.errmsg)).toMatch(/^code been used rid: /);
    const late = await authorize(web.appId, 'snsapi_login');
    clock.advance(5 * 60_000);
    expect((await exchange(web, late)).body.errcode).toBe(42003);
    expect((await exchange(web, 'nope')).body.errcode).toBe(40029);
  });

  it('checks the secret and the redirect URI', async () => {
    const code = await authorize(web.appId, 'snsapi_login');
    expect((await exchange({ appId: web.appId, secret: 'wrong' }, code)).body.errcode).toBe(40125);
    const page = await sandbox.app.inject({
      method: 'GET',
      url: `/wechat/connect/qrconnect?appid=${web.appId}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&response_type=code&scope=snsapi_login`,
    });
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('redirect_uri 参数错误');
    const scope = await sandbox.app.inject({
      method: 'GET',
      url: `/wechat/connect/qrconnect?appid=${web.appId}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&scope=snsapi_userinfo`,
    });
    expect(scope.body).toContain('Scope参数错误');
  });

  it('deny redirects with state only; the English page says Allow', async () => {
    const query = `appid=${web.appId}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&scope=snsapi_login&state=s1`;
    const page = await sandbox.app.inject({
      method: 'GET',
      url: `/wechat/connect/qrconnect?${query}&lang=en`,
    });
    expect(page.body).toContain('Allow');
    expect(page.body).not.toContain('同意授权');
    const denied = await sandbox.app.inject({
      method: 'POST',
      url: '/wechat/connect/qrconnect',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `${query}&user=alice&decision=deny`,
    });
    const location = new URL(String(denied.headers.location));
    expect(location.searchParams.get('state')).toBe('s1');
    expect(location.searchParams.has('code')).toBe(false);
  });

  it('refresh keeps an unexpired access token and extends it; a stale refresh token answers 40030', async () => {
    const token = (await exchange(web, await authorize(web.appId, 'snsapi_login'))).body;
    clock.advance(7000_000);
    const refreshed = await get(
      `/wechat/sns/oauth2/refresh_token?appid=${web.appId}&grant_type=refresh_token&refresh_token=${token.refresh_token}`,
    );
    expect(refreshed.body.access_token).toBe(token.access_token);
    clock.advance(7100_000);
    // Still valid: the refresh extended it.
    const ids = sandboxOauthIds('wechat', web, alice);
    expect(
      (await get(`/wechat/sns/auth?access_token=${token.access_token}&openid=${ids.openId}`)).body,
    ).toEqual({ errcode: 0, errmsg: 'ok' });
    clock.advance(200_000);
    expect(
      (await get(`/wechat/sns/auth?access_token=${token.access_token}&openid=${ids.openId}`)).body.errcode,
    ).toBe(42001);
    const bad = await get(
      `/wechat/sns/oauth2/refresh_token?appid=${web.appId}&grant_type=refresh_token&refresh_token=nope`,
    );
    expect(bad.body.errcode).toBe(40030);
  });
});

describe('WeChat official account', () => {
  it('snsapi_base gives openid only and no userinfo (48001)', async () => {
    const code = await authorize(mp.appId, 'snsapi_base', 'alice', '/wechat/connect/oauth2/authorize');
    const token = await exchange(mp, code);
    expect(token.body.openid).toBe(sandboxOauthIds('wechat', mp, alice).openId);
    expect(token.body).not.toHaveProperty('unionid');
    const info = await get(
      `/wechat/sns/userinfo?access_token=${token.body.access_token}&openid=${token.body.openid}`,
    );
    expect(info.body.errcode).toBe(48001);
  });

  it('an app without an Open Platform binding never answers a unionid', async () => {
    const code = await authorize(
      mpUnbound.appId,
      'snsapi_userinfo',
      'alice',
      '/wechat/connect/oauth2/authorize',
    );
    const token = await exchange(mpUnbound, code);
    expect(token.body).not.toHaveProperty('unionid');
    const info = await get(
      `/wechat/sns/userinfo?access_token=${token.body.access_token}&openid=${token.body.openid}`,
    );
    expect(info.body.nickname).toBe('爱丽丝');
    expect(info.body).not.toHaveProperty('unionid');
  });

  it('flags the snapshot-page user with virtual ids', async () => {
    const code = await authorize(mp.appId, 'snsapi_userinfo', 'snapshot', '/wechat/connect/oauth2/authorize');
    const token = await exchange(mp, code);
    expect(token.body.is_snapshotuser).toBe(1);
    const snapshot = SANDBOX_OAUTH_DEFAULTS.users.find((user) => user.id === 'snapshot');
    expect(snapshot).toBeDefined();
    const normal = await exchange(
      mp,
      await authorize(mp.appId, 'snsapi_userinfo', 'alice', '/wechat/connect/oauth2/authorize'),
    );
    expect(normal.body).not.toHaveProperty('is_snapshotuser');
  });

  it('the ?user=&auto=1 shortcut skips the page', async () => {
    const response = await sandbox.app.inject({
      method: 'GET',
      url: `/wechat/connect/oauth2/authorize?appid=${mp.appId}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&scope=snsapi_base&state=a&user=bob&auto=1`,
    });
    expect(response.statusCode).toBe(302);
    const code = new URL(String(response.headers.location)).searchParams.get('code');
    const token = await exchange(mp, String(code));
    expect(token.body.openid).toBe(sandboxOauthIds('wechat', mp, sandboxOauthUser('bob')).openId);
  });
});

describe('WeChat mini program', () => {
  it('jscode2session answers openid, session_key and unionid; the code is single use', async () => {
    const jsCode = sandbox.oauth.wechatJsCode(mini.appId, 'alice');
    const url = `/wechat/sns/jscode2session?appid=${mini.appId}&secret=${mini.secret}&js_code=${jsCode}&grant_type=authorization_code`;
    const session = await get(url);
    const ids = sandboxOauthIds('wechat', mini, alice);
    expect(session.body).toMatchObject({ openid: ids.openId, unionid: ids.unionId });
    expect(typeof session.body.session_key).toBe('string');
    expect((await get(url)).body.errcode).toBe(40163);
  });
});

describe('WeChat app tokens', () => {
  const tokenUrl = `/wechat/cgi-bin/token?grant_type=client_credential&appid=${mp.appId}&secret=${mp.secret}`;
  const check = async (token: unknown) =>
    (await get(`/wechat/cgi-bin/get_api_domain_ip?access_token=${token}`)).body;

  it('cgi-bin/token: a new token leaves the old one working for 5 minutes, then 40001', async () => {
    const first = (await get(tokenUrl)).body;
    expect(first.expires_in).toBe(7200);
    expect(await check(first.access_token)).toHaveProperty('ip_list');
    clock.advance(60_000);
    const second = (await get(tokenUrl)).body;
    expect(second.access_token).not.toBe(first.access_token);
    clock.advance(5 * 60_000 - 1);
    expect(await check(first.access_token)).toHaveProperty('ip_list');
    clock.advance(1);
    expect((await check(first.access_token)).errcode).toBe(40001);
    expect(await check(second.access_token)).toHaveProperty('ip_list');
    expect(sandbox.oauth.fetches('wechat', mp.appId, 'cgi-bin/token')).toBe(2);
  });

  it('cgi-bin/token expires after 7200 s with 42001; missing token is 41001', async () => {
    const token = (await get(tokenUrl)).body;
    clock.advance(7200_000);
    expect((await check(token.access_token)).errcode).toBe(42001);
    expect((await get('/wechat/cgi-bin/getcallbackip')).body.errcode).toBe(41001);
    expect((await check('garbage')).errcode).toBe(40001);
  });

  it('stable_token: the same token with the remaining lifetime; a new one within 5 minutes of expiry', async () => {
    const post = async (body: Record<string, unknown>) => {
      const response = await sandbox.app.inject({
        method: 'POST',
        url: '/wechat/cgi-bin/stable_token',
        payload: body,
      });
      return response.json() as Record<string, unknown>;
    };
    const body = { grant_type: 'client_credential', appid: mp.appId, secret: mp.secret };
    const first = await post(body);
    expect(first.expires_in).toBe(7200);
    clock.advance(1000_000);
    const again = await post(body);
    expect(again).toEqual({ access_token: first.access_token, expires_in: 6200 });
    clock.advance(6200_000 - 5 * 60_000);
    const rotated = await post(body);
    expect(rotated.access_token).not.toBe(first.access_token);
    // The rotated-out token keeps working until its own expiry.
    expect(await check(first.access_token)).toHaveProperty('ip_list');
    // A cgi-bin/token fetch does not touch stable tokens (separate token spaces).
    await get(tokenUrl);
    clock.advance(10 * 60_000);
    expect(await check(rotated.access_token)).toHaveProperty('ip_list');
  });

  it('stable_token force_refresh: new token, old invalid at once, 30 s spacing, 20 a day then 45009', async () => {
    const post = async (body: Record<string, unknown>) =>
      (
        await sandbox.app.inject({ method: 'POST', url: '/wechat/cgi-bin/stable_token', payload: body })
      ).json() as Record<string, unknown>;
    const body = { grant_type: 'client_credential', appid: mp.appId, secret: mp.secret };
    const first = await post(body);
    const forced = await post({ ...body, force_refresh: true });
    expect(forced.access_token).not.toBe(first.access_token);
    expect((await check(first.access_token)).errcode).toBe(40001);
    clock.advance(10_000);
    expect((await post({ ...body, force_refresh: true })).access_token).toBe(forced.access_token);
    for (let i = 1; i < 20; i += 1) {
      clock.advance(30_000);
      expect(await post({ ...body, force_refresh: true })).toHaveProperty('access_token');
    }
    clock.advance(30_000);
    expect((await post({ ...body, force_refresh: true })).errcode).toBe(45009);
    // Next Beijing day the quota is back.
    clock.advance(86_400_000);
    expect(await post({ ...body, force_refresh: true })).toHaveProperty('access_token');
  });

  it('quota fault answers 45009 in HTTP 200; stats count every fetch', async () => {
    sandbox.faults.set('wechat', { quota: true, times: 1 });
    const limited = await get(tokenUrl);
    expect(limited.status).toBe(200);
    expect(limited.body.errcode).toBe(45009);
    expect(await get(tokenUrl)).toMatchObject({ status: 200, body: { expires_in: 7200 } });
    const stats = await sandbox.app.inject({ method: 'GET', url: '/__sandbox/oauth/stats' });
    expect(stats.json()).toEqual({ wechat: { [mp.appId]: { 'cgi-bin/token': 1 } } });
    sandbox.faults.set('wechat', { status: 503, times: 1 });
    expect((await sandbox.app.inject({ method: 'GET', url: tokenUrl })).statusCode).toBe(503);
  });
});
