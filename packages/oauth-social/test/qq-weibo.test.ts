import { SANDBOX_OAUTH_DEFAULTS, sandboxOauthIds } from '@lingpai/sandbox';
import { describe, expect, it } from 'vitest';
import { parseCallback, QQ, Weibo } from '../src/index.js';
import { consent, REDIRECT_URI, useSandbox } from './support.js';

const qqApp = SANDBOX_OAUTH_DEFAULTS.apps.qq.default;
const weiboApp = SANDBOX_OAUTH_DEFAULTS.apps.weibo.default;
const alice = SANDBOX_OAUTH_DEFAULTS.users[0];

describe('QQ against the sandbox', () => {
  const { url, sandbox } = useSandbox();
  const qq = () =>
    new QQ({
      clientId: qqApp.appId,
      clientSecret: qqApp.secret,
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/qq`,
    });

  it('logs in: token (fmt=json), /oauth2.0/me with unionid=1, get_user_info; refreshes', async () => {
    const provider = qq();
    const tokens = await provider.validateAuthorizationCode(
      parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'alice')).code,
    );
    expect(tokens.accessTokenExpiresAt().getTime()).toBeGreaterThan(tokens.issuedAt);
    if (alice === undefined) throw new Error('no alice');
    const ids = sandboxOauthIds('qq', qqApp, alice);
    const profile = await provider.getProfile(tokens);
    expect(profile).toMatchObject({ provider: 'qq', id: ids.unionId, openId: ids.openId, name: '爱丽丝' });
    const refreshed = await provider.refreshAccessToken(tokens.refreshToken());
    expect(refreshed.accessToken()).not.toBe(tokens.accessToken());
  });

  it('maps QQ errors: code reused (100020), invalid code, invalid token, bad secret', async () => {
    const provider = qq();
    const { code } = parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'bob'));
    const tokens = await provider.validateAuthorizationCode(code);
    await expect(provider.validateAuthorizationCode(code)).rejects.toMatchObject({
      code: 'OAUTH_CODE_REUSED',
      platformCode: '100020',
    });
    await expect(provider.validateAuthorizationCode('nonsense')).rejects.toMatchObject({
      code: 'OAUTH_INVALID_CODE',
    });
    await expect(provider.refreshAccessToken('nope')).rejects.toMatchObject({
      code: 'OAUTH_INVALID_REFRESH_TOKEN',
    });
    sandbox().oauth.invalidateToken(tokens.accessToken());
    await expect(provider.getProfile(tokens)).rejects.toMatchObject({ code: 'OAUTH_INVALID_TOKEN' });
    const wrong = new QQ({
      clientId: qqApp.appId,
      clientSecret: 'wrong',
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/qq`,
    });
    await expect(wrong.validateAuthorizationCode('x')).rejects.toMatchObject({ code: 'OAUTH_CONFIG_ERROR' });
  });
});

describe('Weibo against the sandbox', () => {
  const { url, sandbox } = useSandbox();
  const weibo = () =>
    new Weibo({
      clientId: weiboApp.appId,
      clientSecret: weiboApp.secret,
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/weibo`,
    });

  it('logs in: the token carries the uid, users/show gives the profile; no refresh for web apps', async () => {
    const provider = weibo();
    const tokens = await provider.validateAuthorizationCode(
      parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'alice')).code,
    );
    expect(tokens.openId()).toBe(alice?.weiboUid);
    const profile = await provider.getProfile(tokens);
    expect(profile).toMatchObject({ provider: 'weibo', id: alice?.weiboUid, email: undefined });
    expect(profile.avatarUrl).toMatch(/^https?:\/\//);
    await expect(provider.refreshAccessToken('x')).rejects.toMatchObject({ code: 'OAUTH_UNSUPPORTED' });
  });

  it('maps Weibo errors (HTTP 400 bodies): invalid code 21325, invalid token, bad client, denial', async () => {
    const provider = weibo();
    const { code } = parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'bob'));
    const tokens = await provider.validateAuthorizationCode(code);
    await expect(provider.validateAuthorizationCode(code)).rejects.toMatchObject({
      code: 'OAUTH_INVALID_CODE',
      platformCode: '21325',
    });
    sandbox().oauth.invalidateToken(tokens.accessToken());
    await expect(provider.getProfile(tokens)).rejects.toMatchObject({ code: 'OAUTH_INVALID_TOKEN' });
    const wrong = new Weibo({
      clientId: weiboApp.appId,
      clientSecret: 'wrong',
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/weibo`,
    });
    await expect(wrong.validateAuthorizationCode('x')).rejects.toMatchObject({ code: 'OAUTH_CONFIG_ERROR' });
    const denied = await consent(provider.createAuthorizationURL({ state: 's' }), 'alice', 'deny');
    expect(() => parseCallback(denied)).toThrow(expect.objectContaining({ code: 'OAUTH_ACCESS_DENIED' }));
  });
});
