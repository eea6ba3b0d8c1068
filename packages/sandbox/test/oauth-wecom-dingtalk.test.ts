import { createHmac } from 'node:crypto';
import { createManualClock } from '@lingpai/auth-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { SANDBOX_OAUTH_DEFAULTS, sandboxOauthIds, sandboxOauthUser } from '../src/oauth/index.js';
import { json, REDIRECT, walkAuthorizePage } from './oauth-walk.js';

const wecom = SANDBOX_OAUTH_DEFAULTS.apps.wecom.default;
const dingtalk = SANDBOX_OAUTH_DEFAULTS.apps.dingtalk.default;
const START = Date.UTC(2026, 2, 1);
const clock = createManualClock(START);
let sandbox: Sandbox;

beforeEach(async () => {
  clock.set(START);
  sandbox = await createSandbox({ clock });
});
afterEach(() => sandbox.close());

const get = async (url: string) => json(await sandbox.app.inject({ method: 'GET', url }));

describe('WeCom', () => {
  const gettoken = () => get(`/wecom/cgi-bin/gettoken?corpid=${wecom.appId}&corpsecret=${wecom.secret}`);

  it('gettoken returns the same token while valid; expired → 42001; an early invalidation → 40014, then a new one', async () => {
    const first = await gettoken();
    expect(first).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 7200 });
    clock.advance(600_000);
    expect(await gettoken()).toMatchObject({ access_token: first.access_token, expires_in: 6600 });
    expect(await get(`/wecom/cgi-bin/getcallbackip?access_token=${first.access_token}`)).toMatchObject({
      errcode: 0,
    });
    expect(sandbox.oauth.invalidateToken(String(first.access_token))).toBe(true);
    const invalid = await get(`/wecom/cgi-bin/get_api_domain_ip?access_token=${first.access_token}`);
    expect(invalid.errcode).toBe(40014);
    expect(String(invalid.errmsg)).toContain(
      'more info at https://open.work.weixin.qq.com/devtool/query?e=40014',
    );
    const next = await gettoken();
    expect(next.access_token).not.toBe(first.access_token);
    clock.advance(7200_000);
    expect((await get(`/wecom/cgi-bin/getcallbackip?access_token=${next.access_token}`)).errcode).toBe(42001);
    expect((await get(`/wecom/cgi-bin/gettoken?corpid=${wecom.appId}&corpsecret=bad`)).errcode).toBe(40001);
  });

  it('member login gives a userid (+ user_ticket with snsapi_privateinfo); a non-member an openid', async () => {
    const token = (await gettoken()).access_token;
    const code = async (user: string, scope: string) =>
      String(
        (
          await walkAuthorizePage(
            sandbox,
            '/wecom/connect/oauth2/authorize',
            {
              appid: wecom.appId,
              redirect_uri: REDIRECT,
              response_type: 'code',
              scope,
              agentid: String(wecom.agentId),
              state: 'w',
            },
            user,
          )
        ).get('code'),
      );
    const member = await get(
      `/wecom/cgi-bin/auth/getuserinfo?access_token=${token}&code=${await code('alice', 'snsapi_privateinfo')}`,
    );
    expect(member).toMatchObject({ errcode: 0, userid: 'ZhangAiLi', expires_in: 1800 });
    const detail = await sandbox.app.inject({
      method: 'POST',
      url: `/wecom/cgi-bin/auth/getuserdetail?access_token=${token}`,
      payload: { user_ticket: member.user_ticket },
    });
    expect(json(detail)).toMatchObject({
      errcode: 0,
      userid: 'ZhangAiLi',
      gender: '2',
      mobile: '13800000001',
      email: 'alice@example.com',
    });
    const c = await code('carol', 'snsapi_base');
    const outsider = await get(`/wecom/cgi-bin/auth/getuserinfo?access_token=${token}&code=${c}`);
    expect(outsider).toEqual({
      errcode: 0,
      errmsg: 'ok',
      openid: sandboxOauthIds('wecom', wecom, sandboxOauthUser('carol')).openId,
    });
    expect((await get(`/wecom/cgi-bin/auth/getuserinfo?access_token=${token}&code=${c}`)).errcode).toBe(
      40029,
    );
    const legacy = await get(
      `/wecom/cgi-bin/user/getuserinfo?access_token=${token}&code=${await code('bob', 'snsapi_base')}`,
    );
    expect(legacy).toMatchObject({ errcode: 0, UserId: 'LiBaoBo' });
    expect(await get(`/wecom/cgi-bin/user/get?access_token=${token}&userid=LiBaoBo`)).toMatchObject({
      errcode: 0,
      name: '鲍勃',
    });
  });

  it('QR login page checks the agentid', async () => {
    const page = await sandbox.app.inject({
      method: 'GET',
      url: `/wecom/wwlogin/sso/login?login_type=CorpApp&appid=${wecom.appId}&agentid=999&redirect_uri=${encodeURIComponent(REDIRECT)}&state=x`,
    });
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('agentid');
    const ok = await walkAuthorizePage(sandbox, '/wecom/wwlogin/sso/login', {
      login_type: 'CorpApp',
      appid: wecom.appId,
      agentid: String(wecom.agentId),
      redirect_uri: REDIRECT,
      state: 'x',
    });
    expect(ok.get('code')).toBeTruthy();
  });

  it('quota fault answers 45009', async () => {
    sandbox.faults.set('wecom', { quota: true, times: 1 });
    expect((await gettoken()).errcode).toBe(45009);
  });
});

describe('DingTalk', () => {
  const post = (url: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    sandbox.app.inject({ method: 'POST', url, payload, headers });

  async function authCode(prompt = 'consent', user = 'alice') {
    const params = await walkAuthorizePage(
      sandbox,
      '/dingtalk/oauth2/auth',
      {
        client_id: dingtalk.appId,
        redirect_uri: REDIRECT,
        response_type: 'code',
        scope: 'openid',
        state: 'dd',
        prompt,
      },
      user,
    );
    expect(params.get('authCode')).toBe(params.get('code'));
    return String(params.get('authCode'));
  }

  const userToken = async (code: string) =>
    post('/dingtalk/v1.0/oauth2/userAccessToken', {
      clientId: dingtalk.appId,
      clientSecret: dingtalk.secret,
      code,
      grantType: 'authorization_code',
    });

  it('authCode → userAccessToken → users/me; a used code is a 400 with {code, message, requestid}', async () => {
    const code = await authCode();
    const token = json(await userToken(code));
    expect(token).toMatchObject({ expireIn: 7200, corpId: dingtalk.tenantId });
    const me = await sandbox.app.inject({
      method: 'GET',
      url: '/dingtalk/v1.0/contact/users/me',
      headers: { 'x-acs-dingtalk-access-token': String(token.accessToken) },
    });
    const ids = sandboxOauthIds('dingtalk', dingtalk, sandboxOauthUser('alice'));
    expect(json(me)).toMatchObject({
      nick: '爱丽丝',
      openId: ids.openId,
      unionId: ids.unionId,
      email: 'alice@example.com',
      stateCode: '86',
    });
    const again = await userToken(code);
    expect(again.statusCode).toBe(400);
    expect(json(again)).toMatchObject({ code: 'invalidAuthCode' });
    expect(json(again)).toHaveProperty('requestid');
  });

  it('without prompt=consent users/me answers 403', async () => {
    const token = json(await userToken(await authCode('none')));
    const me = await sandbox.app.inject({
      method: 'GET',
      url: '/dingtalk/v1.0/contact/users/me',
      headers: { 'x-acs-dingtalk-access-token': String(token.accessToken) },
    });
    expect(me.statusCode).toBe(403);
    expect(json(me).code).toBe('Forbidden.AccessDenied.AccessTokenPermissionDenied');
  });

  it('v1.0 app token: the same token while valid, each request renewing it; legacy gettoken is a separate token', async () => {
    const fetchToken = async () =>
      json(
        await post('/dingtalk/v1.0/oauth2/accessToken', {
          appKey: dingtalk.appId,
          appSecret: dingtalk.secret,
        }),
      );
    const first = await fetchToken();
    expect(first).toMatchObject({ expireIn: 7200 });
    clock.advance(7000_000);
    expect((await fetchToken()).accessToken).toBe(first.accessToken);
    clock.advance(7000_000);
    // Renewed by the second request: still valid 14000 s after issue.
    const send = await post(
      '/dingtalk/v1.0/robot/oToMessages/batchSend',
      {},
      { 'x-acs-dingtalk-access-token': String(first.accessToken) },
    );
    expect(send.statusCode).toBe(200);
    expect(json(send)).toHaveProperty('processQueryKey');
    const corp = await sandbox.app.inject({
      method: 'POST',
      url: `/dingtalk/v1.0/oauth2/${dingtalk.tenantId}/token`,
      payload: {
        client_id: dingtalk.appId,
        client_secret: dingtalk.secret,
        grant_type: 'client_credentials',
      },
    });
    expect(json(corp)).toMatchObject({ access_token: first.accessToken, expires_in: 7200 });
    const legacy = await get(`/dingtalk/gettoken?appkey=${dingtalk.appId}&appsecret=${dingtalk.secret}`);
    expect(legacy).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 7200 });
    expect(legacy.access_token).not.toBe(first.accessToken);
    const wrongSpace = await post(
      '/dingtalk/v1.0/robot/oToMessages/batchSend',
      {},
      { 'x-acs-dingtalk-access-token': String(legacy.access_token) },
    );
    expect(wrongSpace.statusCode).toBe(401);
    expect(json(wrongSpace).code).toBe('InvalidAuthentication');
    const user = await post(`/dingtalk/topapi/v2/user/get?access_token=${legacy.access_token}`, {
      userid: 'bob',
    });
    expect(json(user)).toMatchObject({ errcode: 0, result: { userid: 'bob', name: '鲍勃' } });
    clock.advance(7200_000);
    expect(
      json(await post(`/dingtalk/topapi/v2/user/get?access_token=${legacy.access_token}`, { userid: 'bob' }))
        .errcode,
    ).toBe(42001);
  });

  it('legacy getuserinfo_bycode checks the HMAC-SHA256 signature of the timestamp and its skew', async () => {
    const params = await walkAuthorizePage(sandbox, '/dingtalk/connect/qrconnect', {
      appid: dingtalk.appId,
      response_type: 'code',
      scope: 'snsapi_login',
      state: 'q',
      redirect_uri: REDIRECT,
    });
    const code = String(params.get('code'));
    const timestamp = String(START);
    const signature = createHmac('sha256', dingtalk.secret).update(timestamp).digest('base64');
    const url = (ts: string, sig: string) =>
      `/dingtalk/sns/getuserinfo_bycode?accessKey=${dingtalk.appId}&timestamp=${ts}&signature=${encodeURIComponent(sig)}`;
    expect(json(await post(url(timestamp, 'AAAA'), { tmp_auth_code: code })).errcode).toBe(853004);
    const stale = String(START - 61_000);
    const staleSig = createHmac('sha256', dingtalk.secret).update(stale).digest('base64');
    expect(json(await post(url(stale, staleSig), { tmp_auth_code: code })).errcode).toBe(853002);
    const ok = json(await post(url(timestamp, signature), { tmp_auth_code: code }));
    expect(ok).toMatchObject({
      errcode: 0,
      user_info: {
        nick: '爱丽丝',
        openid: sandboxOauthIds('dingtalk', dingtalk, sandboxOauthUser('alice')).openId,
      },
    });
  });
});
