import { SANDBOX_OAUTH_DEFAULTS, sandboxOauthIds } from '@lingpai/sandbox';
import { describe, expect, it } from 'vitest';
import { DingTalk, parseCallback } from '../src/index.js';
import { consent, REDIRECT_URI, useSandbox } from './support.js';

const app = SANDBOX_OAUTH_DEFAULTS.apps.dingtalk.default;

describe('DingTalk against the sandbox', () => {
  const { url, sandbox } = useSandbox();
  const dingtalk = () =>
    new DingTalk({
      clientId: app.appId,
      clientSecret: app.secret,
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/dingtalk`,
    });

  it('logs in (authCode callback, prompt=consent), reads users/me, refreshes', async () => {
    const provider = dingtalk();
    const authorize = provider.createAuthorizationURL({ state: 'st' });
    expect(authorize.pathname).toBe('/dingtalk/oauth2/auth');
    expect(authorize.searchParams.get('prompt')).toBe('consent');
    const callback = await consent(authorize, 'alice');
    const { code, state } = parseCallback(callback);
    expect(state).toBe('st');
    const tokens = await provider.validateAuthorizationCode(code);
    expect(tokens.extra('corpId')).toBe(app.tenantId);
    const profile = await provider.getProfile(tokens);
    const alice = SANDBOX_OAUTH_DEFAULTS.users[0];
    if (alice === undefined) throw new Error('no alice');
    const ids = sandboxOauthIds('dingtalk', app, alice);
    expect(profile).toMatchObject({
      id: ids.unionId,
      openId: ids.openId,
      email: 'alice@example.com',
      name: '爱丽丝',
    });
    const refreshed = await provider.refreshAccessToken(tokens.refreshToken());
    expect(refreshed.accessToken()).toBe(tokens.accessToken());
  });

  it('maps v1.0 errors: invalid code, invalid refresh token, invalid token, bad secret', async () => {
    const provider = dingtalk();
    const { code } = parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'bob'));
    const tokens = await provider.validateAuthorizationCode(code);
    await expect(provider.validateAuthorizationCode(code)).rejects.toMatchObject({
      code: 'OAUTH_INVALID_CODE',
      platformCode: 'invalidAuthCode',
      status: 400,
    });
    await expect(provider.refreshAccessToken('nope')).rejects.toMatchObject({
      code: 'OAUTH_INVALID_REFRESH_TOKEN',
    });
    sandbox().oauth.invalidateToken(tokens.accessToken());
    await expect(provider.getProfile(tokens)).rejects.toMatchObject({ code: 'OAUTH_INVALID_TOKEN' });
    const wrong = new DingTalk({ clientId: app.appId, clientSecret: 'wrong', baseURL: `${url()}/dingtalk` });
    await expect(wrong.validateAuthorizationCode('x')).rejects.toMatchObject({ code: 'OAUTH_CONFIG_ERROR' });
  });
});
