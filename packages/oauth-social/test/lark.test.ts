import { SANDBOX_OAUTH_DEFAULTS, sandboxOauthIds } from '@lingpai/sandbox';
import { describe, expect, it } from 'vitest';
import { Lark, parseCallback, SignedOAuthState } from '../src/index.js';
import { consent, REDIRECT_URI, useSandbox } from './support.js';

const app = SANDBOX_OAUTH_DEFAULTS.apps.lark.default;
const alice = SANDBOX_OAUTH_DEFAULTS.users[0];

describe('Lark / Feishu against the sandbox', () => {
  const { url, sandbox } = useSandbox();
  const lark = () =>
    new Lark({
      clientId: app.appId,
      clientSecret: app.secret,
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/lark`,
    });
  const states = new SignedOAuthState({ secret: 'lark-state-secret-0123456789abcdef' });

  it('logs in with PKCE and offline_access, then rotates the refresh token', async () => {
    const provider = lark();
    const issued = states.create({ provider: 'lark', redirectUri: REDIRECT_URI });
    const authorize = provider.createAuthorizationURL({
      state: issued.state,
      codeVerifier: issued.codeVerifier,
    });
    expect(authorize.pathname).toBe('/lark/open-apis/authen/v1/authorize');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('scope')).toBe('offline_access');
    const { code, state } = parseCallback(await consent(authorize, 'alice'));
    const { codeVerifier } = states.verify(state, { provider: 'lark', redirectUri: REDIRECT_URI });
    const tokens = await provider.validateAuthorizationCode(code, { codeVerifier });
    expect(tokens.accessToken()).toMatch(/^u-/);
    expect(tokens.refreshTokenExpiresAt().getTime()).toBeGreaterThan(Date.now());
    const profile = await provider.getProfile(tokens);
    const ids = sandboxOauthIds('lark', app, alice ?? SANDBOX_OAUTH_DEFAULTS.users[0]!);
    expect(profile).toMatchObject({
      provider: 'lark',
      id: ids.unionId,
      openId: ids.openId,
      unionId: ids.unionId,
    });
    expect(profile.name).toBeTruthy();

    const refreshed = await provider.refreshAccessToken(tokens.refreshToken());
    expect(refreshed.refreshToken()).not.toBe(tokens.refreshToken());
    // The old refresh token is dead: reusing it is the documented mistake.
    await expect(provider.refreshAccessToken(tokens.refreshToken())).rejects.toMatchObject({
      code: 'OAUTH_INVALID_REFRESH_TOKEN',
      platformCode: 'invalid_grant',
    });
  });

  it('rejects a wrong PKCE verifier, a reused code and a revoked token', async () => {
    const provider = lark();
    const issued = states.create({ provider: 'lark', redirectUri: REDIRECT_URI });
    const authorize = provider.createAuthorizationURL({
      state: issued.state,
      codeVerifier: issued.codeVerifier,
    });
    const { code } = parseCallback(await consent(authorize, 'bob'));
    await expect(
      provider.validateAuthorizationCode(code, { codeVerifier: 'x'.repeat(43) }),
    ).rejects.toMatchObject({
      code: 'OAUTH_INVALID_CODE',
    });
    const again = parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'bob'));
    const tokens = await provider.validateAuthorizationCode(again.code);
    await expect(provider.validateAuthorizationCode(again.code)).rejects.toMatchObject({
      code: 'OAUTH_INVALID_CODE',
    });
    sandbox().oauth.invalidateToken(tokens.accessToken());
    await expect(provider.getProfile(tokens)).rejects.toMatchObject({
      code: 'OAUTH_INVALID_TOKEN',
      platformCode: '99991668',
    });
    const wrongSecret = new Lark({
      clientId: app.appId,
      clientSecret: 'nope',
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/lark`,
    });
    await expect(wrongSecret.validateAuthorizationCode('x')).rejects.toMatchObject({
      code: 'OAUTH_CONFIG_ERROR',
    });
  });

  it('a refused consent becomes OAUTH_ACCESS_DENIED', async () => {
    const callback = await consent(lark().createAuthorizationURL({ state: 's' }), 'alice', 'deny');
    expect(() => parseCallback(callback)).toThrow(expect.objectContaining({ code: 'OAUTH_ACCESS_DENIED' }));
  });
});
