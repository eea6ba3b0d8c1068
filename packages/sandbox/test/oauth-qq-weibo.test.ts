import { createManualClock } from '@lingpai/auth-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { SANDBOX_OAUTH_DEFAULTS, sandboxOauthIds, sandboxOauthUser } from '../src/oauth/index.js';
import { json, REDIRECT, walkAuthorizePage } from './oauth-walk.js';

const qq = SANDBOX_OAUTH_DEFAULTS.apps.qq.default;
const weibo = SANDBOX_OAUTH_DEFAULTS.apps.weibo.default;
const START = Date.UTC(2026, 2, 1);
const clock = createManualClock(START);
let sandbox: Sandbox;

beforeEach(async () => {
  clock.set(START);
  sandbox = await createSandbox({ clock });
});
afterEach(() => sandbox.close());

describe('QQ Connect', () => {
  async function code() {
    const params = await walkAuthorizePage(sandbox, '/qq/oauth2.0/authorize', {
      response_type: 'code',
      client_id: qq.appId,
      redirect_uri: REDIRECT,
      state: 'qq',
      scope: 'get_user_info',
    });
    return String(params.get('code'));
  }
  const tokenUrl = (c: string, fmt = '') =>
    `/qq/oauth2.0/token?grant_type=authorization_code&client_id=${qq.appId}&client_secret=${qq.secret}&code=${c}&redirect_uri=${encodeURIComponent(REDIRECT)}${fmt}`;

  it('token as a query string, /me as JSONP, fmt=json as JSON; unionid on request; get_user_info', async () => {
    const c = await code();
    const token = await sandbox.app.inject({ method: 'GET', url: tokenUrl(c) });
    const fields = new URLSearchParams(token.body);
    expect(fields.get('expires_in')).toBe('7776000');
    const accessToken = String(fields.get('access_token'));
    expect(accessToken).toMatch(/^[0-9A-F]{32}$/);
    const me = await sandbox.app.inject({
      method: 'GET',
      url: `/qq/oauth2.0/me?access_token=${accessToken}`,
    });
    const ids = sandboxOauthIds('qq', qq, sandboxOauthUser('alice'));
    expect(me.body).toBe(`callback( {"client_id":"${qq.appId}","openid":"${ids.openId}"} );\n`);
    const meJson = json(
      await sandbox.app.inject({
        method: 'GET',
        url: `/qq/oauth2.0/me?access_token=${accessToken}&unionid=1&fmt=json`,
      }),
    );
    expect(meJson).toEqual({ client_id: qq.appId, openid: ids.openId, unionid: ids.unionId });
    const info = json(
      await sandbox.app.inject({
        method: 'GET',
        url: `/qq/user/get_user_info?access_token=${accessToken}&oauth_consumer_key=${qq.appId}&openid=${ids.openId}`,
      }),
    );
    expect(info).toMatchObject({ ret: 0, msg: '', nickname: '爱丽丝', gender: '女' });
  });

  it('a reused code is 100020 (JSONP or JSON); an expired token 100014', async () => {
    const c = await code();
    const first = new URLSearchParams(
      (await sandbox.app.inject({ method: 'GET', url: tokenUrl(c) })).body,
    ).get('access_token');
    const reused = await sandbox.app.inject({ method: 'GET', url: tokenUrl(c) });
    expect(reused.statusCode).toBe(200);
    expect(reused.body).toBe('callback( {"error":100020,"error_description":"code is reused error"} );\n');
    expect(json(await sandbox.app.inject({ method: 'GET', url: tokenUrl(c, '&fmt=json') }))).toEqual({
      error: 100020,
      error_description: 'code is reused error',
    });
    clock.advance(7_776_000_000);
    expect(
      json(
        await sandbox.app.inject({ method: 'GET', url: `/qq/oauth2.0/me?access_token=${first}&fmt=json` }),
      ),
    ).toMatchObject({ error: 100014 });
  });
});

describe('Weibo', () => {
  async function code() {
    const params = await walkAuthorizePage(sandbox, '/weibo/oauth2/authorize', {
      client_id: weibo.appId,
      redirect_uri: REDIRECT,
      state: 'wb',
    });
    return String(params.get('code'));
  }
  const exchange = (c: string, secret = weibo.secret) =>
    sandbox.app.inject({
      method: 'POST',
      url: `/weibo/oauth2/access_token?client_id=${weibo.appId}&client_secret=${secret}&grant_type=authorization_code&code=${c}&redirect_uri=${encodeURIComponent(REDIRECT)}`,
    });

  it('code → access_token (uid, remind_in) → users/show.json; token info', async () => {
    const token = json(await exchange(await code()));
    expect(token).toMatchObject({
      uid: '5000000001',
      expires_in: 157_679_999,
      remind_in: '157679999',
      isRealName: 'true',
    });
    const show = json(
      await sandbox.app.inject({
        method: 'GET',
        url: `/weibo/2/users/show.json?access_token=${token.access_token}&uid=${token.uid}`,
      }),
    );
    expect(show).toMatchObject({
      id: 5_000_000_001,
      idstr: '5000000001',
      screen_name: '爱丽丝',
      gender: 'f',
    });
    const info = json(
      await sandbox.app.inject({
        method: 'POST',
        url: '/weibo/oauth2/get_token_info',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `access_token=${token.access_token}`,
      }),
    );
    expect(info).toMatchObject({ uid: 5_000_000_001, appkey: weibo.appId, create_at: START / 1000 });
  });

  it('errors: HTTP 400 with error_code; a used code is 21325; revoked token 21332', async () => {
    const c = await code();
    const bad = await exchange(c, 'nope');
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toMatchObject({
      error: 'invalid_client',
      error_code: 21324,
      request: '/oauth2/access_token',
    });
    const token = json(await exchange(c));
    expect(json(await exchange(c))).toMatchObject({ error: 'invalid_grant', error_code: 21325 });
    await sandbox.app.inject({
      method: 'POST',
      url: `/weibo/oauth2/revokeoauth2?access_token=${token.access_token}`,
    });
    const after = await sandbox.app.inject({
      method: 'GET',
      url: `/weibo/2/users/show.json?access_token=${token.access_token}&uid=5000000001`,
    });
    expect(json(after)).toMatchObject({ error_code: 21332, request: '/2/users/show.json' });
  });

  it('deny carries error_code 21330; quota answers 10023 with 403', async () => {
    const denied = await walkAuthorizePage(
      sandbox,
      '/weibo/oauth2/authorize',
      { client_id: weibo.appId, redirect_uri: REDIRECT, state: 'wb' },
      'bob',
      'deny',
    );
    expect(denied.get('error_code')).toBe('21330');
    sandbox.faults.set('weibo', { quota: true, times: 1 });
    const limited = await exchange('x');
    expect(limited.statusCode).toBe(403);
    expect(json(limited).error_code).toBe(10023);
  });
});
