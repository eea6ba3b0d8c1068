import { SANDBOX_OAUTH_DEFAULTS, sandboxOauthIds } from '@lingpai/sandbox';
import { describe, expect, it } from 'vitest';
import { OAuthError, parseCallback, SignedOAuthState, WeChat } from '../src/index.js';
import { consent, REDIRECT_URI, useSandbox } from './support.js';

const apps = SANDBOX_OAUTH_DEFAULTS.apps.wechat;
const user = (id: string) => {
  const found = SANDBOX_OAUTH_DEFAULTS.users.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(id);
  return found;
};

describe('WeChat against the sandbox', () => {
  const { url, sandbox } = useSandbox();
  const website = () =>
    new WeChat({
      clientId: apps.default.appId,
      clientSecret: apps.default.secret,
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/wechat`,
    });
  const states = new SignedOAuthState({ secret: 'x'.repeat(32) });

  it('website QR login: authorize → picker → callback → code exchange → profile with unionid', async () => {
    const provider = website();
    const issued = states.create({ provider: 'wechat', redirectUri: REDIRECT_URI });
    const authorize = provider.createAuthorizationURL({ state: issued.state });
    expect(authorize.pathname).toBe('/wechat/connect/qrconnect');
    expect(authorize.hash).toBe('#wechat_redirect');
    expect([...authorize.searchParams.keys()]).toEqual([
      'appid',
      'redirect_uri',
      'response_type',
      'scope',
      'state',
    ]);
    const callback = await consent(authorize, 'alice');
    const { code, state } = parseCallback(callback);
    states.verify(state, { provider: 'wechat', redirectUri: REDIRECT_URI });
    const tokens = await provider.validateAuthorizationCode(code);
    expect(tokens.accessToken()).toMatch(/.{20,}/);
    expect(tokens.hasRefreshToken()).toBe(true);
    expect(tokens.scopes()).toEqual(['snsapi_login']);
    const ids = sandboxOauthIds('wechat', apps.default, user('alice'));
    expect(tokens.openId()).toBe(ids.openId);
    const profile = await provider.getProfile(tokens);
    expect(profile).toMatchObject({
      provider: 'wechat',
      id: ids.unionId,
      openId: ids.openId,
      unionId: ids.unionId,
      name: '爱丽丝',
      email: undefined,
      emailVerified: false,
      snapshotUser: false,
    });
    expect(profile.avatarUrl).toMatch(/^https:\/\//);
  });

  it('the same person gets the same unionid through the website app and the official account', async () => {
    const web = website();
    const mp = new WeChat({
      platform: 'official-account',
      clientId: apps.mp.appId,
      clientSecret: apps.mp.secret,
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/wechat`,
    });
    const viaWeb = await web.getProfile(
      await web.validateAuthorizationCode(
        parseCallback(await consent(web.createAuthorizationURL({ state: 's' }), 'bob')).code,
      ),
    );
    const mpUrl = mp.createAuthorizationURL({ state: 's' });
    expect(mpUrl.pathname).toBe('/wechat/connect/oauth2/authorize');
    const viaMp = await mp.getProfile(
      await mp.validateAuthorizationCode(parseCallback(await consent(mpUrl, 'bob')).code),
    );
    expect(viaMp.id).toBe(viaWeb.id);
    expect(viaMp.openId).not.toBe(viaWeb.openId);
  });

  it('subject: openId keys profiles on the per-app openid', async () => {
    const provider = new WeChat({
      clientId: apps.default.appId,
      clientSecret: apps.default.secret,
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/wechat`,
      subject: 'openId',
    });
    const tokens = await provider.validateAuthorizationCode(
      parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'alice')).code,
    );
    const profile = await provider.getProfile(tokens);
    expect(profile.id).toBe(profile.openId);
    expect(profile.unionId).toBeDefined();
  });

  it('snsapi_base: no unionid, no userinfo call, id falls back to the openid', async () => {
    const mp = new WeChat({
      platform: 'official-account',
      clientId: apps.mp.appId,
      clientSecret: apps.mp.secret,
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/wechat`,
    });
    const callback = await consent(
      mp.createAuthorizationURL({ state: 's', scopes: ['snsapi_base'] }),
      'alice',
    );
    const tokens = await mp.validateAuthorizationCode(parseCallback(callback).code);
    expect(tokens.unionId()).toBeUndefined();
    const profile = await mp.getProfile(tokens);
    expect(profile.id).toBe(tokens.openId());
    expect(profile.name).toBeUndefined();
  });

  it('flags snapshot-page users, whose ids are virtual', async () => {
    const mp = new WeChat({
      platform: 'official-account',
      clientId: apps.mp.appId,
      clientSecret: apps.mp.secret,
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/wechat`,
    });
    const tokens = await mp.validateAuthorizationCode(
      parseCallback(await consent(mp.createAuthorizationURL({ state: 's' }), 'snapshot')).code,
    );
    const profile = await mp.getProfile(tokens);
    expect(profile.snapshotUser).toBe(true);
  });

  it('refresh keeps the access token alive', async () => {
    const provider = website();
    const tokens = await provider.validateAuthorizationCode(
      parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'alice')).code,
    );
    const refreshed = await provider.refreshAccessToken(tokens.refreshToken());
    // Refreshing before expiry extends the same access token (WeChat doc).
    expect(refreshed.accessToken()).toBe(tokens.accessToken());
    expect(refreshed.openId()).toBe(tokens.openId());
    await expect(provider.refreshAccessToken('not-a-refresh-token')).rejects.toMatchObject({
      code: 'OAUTH_INVALID_REFRESH_TOKEN',
      platformCode: '40030',
    });
  });

  it('maps errcodes: code reused (40163), invalid code (40029), invalid token, bad secret', async () => {
    const provider = website();
    const { code } = parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'alice'));
    const tokens = await provider.validateAuthorizationCode(code);
    const reused = await provider.validateAuthorizationCode(code).catch((error: unknown) => error);
    expect(reused).toBeInstanceOf(OAuthError);
    expect(reused).toMatchObject({ code: 'OAUTH_CODE_REUSED', platformCode: '40163', provider: 'wechat' });
    // The raw body is kept but never serialized.
    expect((reused as OAuthError).payload).toMatchObject({ errcode: 40163 });
    expect(JSON.stringify(reused)).not.toContain('errmsg');
    await expect(provider.validateAuthorizationCode('nonsense')).rejects.toMatchObject({
      code: 'OAUTH_INVALID_CODE',
    });
    const badToken = new WeChat({
      clientId: apps.default.appId,
      clientSecret: 'wrong-secret',
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/wechat`,
    });
    await expect(badToken.validateAuthorizationCode('whatever')).rejects.toMatchObject({
      code: 'OAUTH_CONFIG_ERROR',
    });
    sandbox().oauth.invalidateToken(tokens.accessToken());
    await expect(provider.getProfile(tokens)).rejects.toMatchObject({ code: 'OAUTH_INVALID_TOKEN' });
  });

  it('a user who refuses consent comes back without a code', async () => {
    const provider = website();
    const callback = await consent(provider.createAuthorizationURL({ state: 's' }), 'alice', 'deny');
    expect(() => parseCallback(callback)).toThrow(expect.objectContaining({ code: 'OAUTH_INVALID_CODE' }));
  });

  it('mini program: code2session gives openid, unionid and a session key, never a URL', async () => {
    const mini = new WeChat({
      platform: 'mini-program',
      clientId: apps.mini.appId,
      clientSecret: apps.mini.secret,
      baseURL: `${url()}/wechat`,
    });
    expect(() => mini.createAuthorizationURL({ state: 's' })).toThrow(
      expect.objectContaining({ code: 'OAUTH_UNSUPPORTED' }),
    );
    const jsCode = sandbox().oauth.wechatJsCode(apps.mini.appId, 'alice');
    const session = await mini.validateAuthorizationCode(jsCode);
    const ids = sandboxOauthIds('wechat', apps.mini, user('alice'));
    expect(session.openId()).toBe(ids.openId);
    expect(session.extra('sessionKey')).toMatch(/==$/);
    expect(session.hasAccessToken()).toBe(false);
    expect(() => session.accessToken()).toThrow(expect.objectContaining({ code: 'OAUTH_MISSING_FIELD' }));
    const profile = await mini.getProfile(session);
    expect(profile.id).toBe(ids.unionId);
    await expect(mini.validateAuthorizationCode(jsCode)).rejects.toMatchObject({ code: 'OAUTH_CODE_REUSED' });
  });
});
