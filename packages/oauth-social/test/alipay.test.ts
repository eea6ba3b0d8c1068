import {
  ALIPAY_SANDBOX_APP_PRIVATE_KEY,
  ALIPAY_SANDBOX_PLATFORM_PUBLIC_KEY,
  SANDBOX_OAUTH_DEFAULTS,
  sandboxOauthIds,
} from '@lingpai/sandbox';
import { describe, expect, it } from 'vitest';
import { Alipay, parseCallback } from '../src/index.js';
import { consent, REDIRECT_URI, useSandbox } from './support.js';

const apps = SANDBOX_OAUTH_DEFAULTS.apps.alipay;
const alice = SANDBOX_OAUTH_DEFAULTS.users[0];

describe('Alipay against the sandbox', () => {
  const { url } = useSandbox();
  const alipay = (
    app: { appId: string } = apps.default,
    publicKey: string | undefined = ALIPAY_SANDBOX_PLATFORM_PUBLIC_KEY,
  ) =>
    new Alipay({
      appId: app.appId,
      privateKey: ALIPAY_SANDBOX_APP_PRIVATE_KEY,
      ...(publicKey === undefined ? {} : { alipayPublicKey: publicKey }),
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/alipay`,
    });

  it('logs in: auth_code callback, RSA2-signed gateway, verified response signatures, open_id', async () => {
    const provider = alipay();
    const authorize = provider.createAuthorizationURL({ state: 's' });
    expect(authorize.pathname).toBe('/alipay/oauth2/publicAppAuthorize.htm');
    const callback = await consent(authorize, 'alice');
    expect(callback.searchParams.has('auth_code')).toBe(true);
    const tokens = await provider.validateAuthorizationCode(parseCallback(callback).code);
    if (alice === undefined) throw new Error('no alice');
    const ids = sandboxOauthIds('alipay', apps.default, alice);
    expect(tokens.openId()).toBe(ids.openId);
    expect(tokens.accessTokenExpiresAt().getTime()).toBeGreaterThan(tokens.issuedAt);
    const profile = await provider.getProfile(tokens);
    expect(profile).toMatchObject({ provider: 'alipay', id: ids.openId, name: '爱丽丝', email: undefined });
    const refreshed = await provider.refreshAccessToken(tokens.refreshToken());
    expect(refreshed.accessToken()).not.toBe(tokens.accessToken());
  });

  it('legacy apps answer the 2088… user_id', async () => {
    const provider = alipay(apps.userIdMode);
    const tokens = await provider.validateAuthorizationCode(
      parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'alice')).code,
    );
    expect(tokens.openId()).toBe(alice?.alipayUserId);
    expect(tokens.extra('userId')).toBe(alice?.alipayUserId);
  });

  it('maps gateway errors: used code (isv.code-invalid), bad refresh token, bad token, bad signature', async () => {
    const provider = alipay();
    const { code } = parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'bob'));
    const tokens = await provider.validateAuthorizationCode(code);
    await expect(provider.validateAuthorizationCode(code)).rejects.toMatchObject({
      code: 'OAUTH_INVALID_CODE',
      platformCode: 'isv.code-invalid',
    });
    await expect(provider.refreshAccessToken('nope')).rejects.toMatchObject({
      code: 'OAUTH_INVALID_REFRESH_TOKEN',
    });
    const forged = Object.create(tokens) as typeof tokens;
    Object.defineProperty(forged, 'accessToken', { value: () => 'authusrBnot-a-token' });
    await expect(provider.getProfile(forged)).rejects.toMatchObject({ code: 'OAUTH_INVALID_TOKEN' });
    // The gateway answers with its own key; verifying with the app's public key must fail.
    const wrongKey = alipay(apps.default, apps.default.appPublicKey);
    await expect(wrongKey.validateAuthorizationCode('x')).rejects.toMatchObject({
      code: 'OAUTH_INVALID_SIGNATURE',
    });
  });
});
