import { SANDBOX_OAUTH_DEFAULTS, sandboxOauthIds } from '@lingpai/sandbox';
import { describe, expect, it } from 'vitest';
import { Douyin, DouyinClientToken, parseCallback } from '../src/index.js';
import { consent, REDIRECT_URI, useSandbox } from './support.js';

const app = SANDBOX_OAUTH_DEFAULTS.apps.douyin.default;

describe('Douyin against the sandbox', () => {
  const { url, sandbox } = useSandbox();
  const douyin = () =>
    new Douyin({
      clientId: app.appId,
      clientSecret: app.secret,
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/douyin`,
    });

  it('user access token (with open_id): login, profile with union_id, refresh', async () => {
    const provider = douyin();
    const authorize = provider.createAuthorizationURL({ state: 's', scopes: ['user_info'] });
    expect(authorize.pathname).toBe('/douyin/platform/oauth/connect/');
    expect(authorize.searchParams.get('client_key')).toBe(app.appId);
    const tokens = await provider.validateAuthorizationCode(
      parseCallback(await consent(authorize, 'alice')).code,
    );
    const alice = SANDBOX_OAUTH_DEFAULTS.users[0];
    if (alice === undefined) throw new Error('no alice');
    const ids = sandboxOauthIds('douyin', app, alice);
    expect(tokens.openId()).toBe(ids.openId);
    expect(tokens.accessTokenExpiresAt().getTime()).toBeGreaterThan(tokens.issuedAt);
    const profile = await provider.getProfile(tokens);
    expect(profile).toMatchObject({
      id: ids.unionId,
      openId: ids.openId,
      unionId: ids.unionId,
      email: undefined,
    });
    const refreshed = await provider.refreshAccessToken(tokens.refreshToken());
    expect(refreshed.openId()).toBe(ids.openId);
  });

  it('maps data.error_code: used code (10007), bad refresh token (10010), revoked token, bad secret', async () => {
    const provider = douyin();
    const { code } = parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'bob'));
    const tokens = await provider.validateAuthorizationCode(code);
    await expect(provider.validateAuthorizationCode(code)).rejects.toMatchObject({
      code: 'OAUTH_INVALID_CODE',
      platformCode: '10007',
    });
    await expect(provider.refreshAccessToken('nope')).rejects.toMatchObject({
      code: 'OAUTH_INVALID_REFRESH_TOKEN',
    });
    sandbox().oauth.invalidateToken(tokens.accessToken());
    await expect(provider.getProfile(tokens)).rejects.toMatchObject({ code: 'OAUTH_INVALID_TOKEN' });
    const wrong = new Douyin({ clientId: app.appId, clientSecret: 'wrong', baseURL: `${url()}/douyin` });
    await expect(wrong.validateAuthorizationCode('x')).rejects.toMatchObject({ code: 'OAUTH_CONFIG_ERROR' });
  });

  it('client_token (no user): cached, and a new one replaces a revoked one once', async () => {
    const clientToken = new DouyinClientToken({
      clientKey: app.appId,
      clientSecret: app.secret,
      baseURL: `${url()}/douyin`,
    });
    const first = await clientToken.get();
    expect(first).toMatch(/^clt\./);
    expect(await clientToken.get()).toBe(first);
    expect(sandbox().oauth.fetches('douyin', app.appId, 'oauth/client_token')).toBe(1);
    const seen: string[] = [];
    const result = await clientToken.withAppToken(async (token) => {
      seen.push(token);
      if (token === first) throw Object.assign(new Error('douyin'), { code: 28001003 });
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(seen).toHaveLength(2);
    expect(seen[1]).not.toBe(first);
    expect(sandbox().oauth.fetches('douyin', app.appId, 'oauth/client_token')).toBe(2);
  });
});
