import { SANDBOX_OAUTH_DEFAULTS } from '@lingpai/sandbox';
import { describe, expect, it } from 'vitest';
import { GitHub, generateCodeVerifier, parseCallback } from '../src/index.js';
import { consent, REDIRECT_URI, useSandbox } from './support.js';

const apps = SANDBOX_OAUTH_DEFAULTS.apps.github;
const users = SANDBOX_OAUTH_DEFAULTS.users;

describe('GitHub against the sandbox', () => {
  const { url, sandbox } = useSandbox();
  const github = (app: { appId: string; secret: string } = apps.default) =>
    new GitHub({
      clientId: app.appId,
      clientSecret: app.secret,
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/github`,
    });

  it('logs in with PKCE; the numeric id is the subject; classic tokens do not expire', async () => {
    const provider = github();
    const codeVerifier = generateCodeVerifier();
    const authorize = provider.createAuthorizationURL({ state: 's', codeVerifier });
    expect(authorize.pathname).toBe('/github/login/oauth/authorize');
    const tokens = await provider.validateAuthorizationCode(
      parseCallback(await consent(authorize, 'alice')).code,
      {
        codeVerifier,
      },
    );
    expect(() => tokens.accessTokenExpiresAt()).toThrow(
      expect.objectContaining({ code: 'OAUTH_MISSING_FIELD' }),
    );
    const profile = await provider.getProfile(tokens);
    expect(profile).toMatchObject({
      provider: 'github',
      id: String(users[0]?.githubId),
      email: 'alice@example.com',
    });
  });

  it('falls back to /user/emails when the public email is null, and keeps no email when there is none', async () => {
    const provider = github();
    const carol = await provider.validateAuthorizationCode(
      parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'carol')).code,
    );
    const profile = await provider.getProfile(carol);
    expect(profile.email).toBeUndefined();
    expect(profile.emailVerified).toBe(false);
    expect(profile.name).toBeTruthy();
  });

  it('a public /user email takes its verified flag from /user/emails; without user:email it stays false', async () => {
    const provider = github();
    const login = async (scopes: string[]) =>
      provider.getProfile(
        await provider.validateAuthorizationCode(
          parseCallback(await consent(provider.createAuthorizationURL({ state: 's', scopes }), 'bob')).code,
        ),
      );
    // bob's primary address is unverified; his public one is a verified secondary.
    const withEmails = await login(['read:user', 'user:email']);
    expect(withEmails).toMatchObject({ email: 'bob@work.example.org', emailVerified: true });
    expect(withEmails.raw).toHaveProperty('emails');
    const without = await login(['read:user']);
    expect(without).toMatchObject({ email: 'bob@work.example.org', emailVerified: false });
    expect(without.raw).not.toHaveProperty('emails');
  });

  it('GitHub Apps: expiring tokens, and a refresh rotates both', async () => {
    const provider = github(apps.expiring);
    const tokens = await provider.validateAuthorizationCode(
      parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'bob')).code,
    );
    expect(tokens.accessTokenExpiresAt().getTime() - tokens.issuedAt).toBe(8 * 3_600_000);
    const refreshed = await provider.refreshAccessToken(tokens.refreshToken());
    expect(refreshed.refreshToken()).not.toBe(tokens.refreshToken());
    await expect(provider.refreshAccessToken(tokens.refreshToken())).rejects.toMatchObject({
      code: 'OAUTH_INVALID_REFRESH_TOKEN',
      platformCode: 'bad_refresh_token',
    });
  });

  it('token errors arrive with HTTP 200 and are still errors', async () => {
    const provider = github();
    const { code } = parseCallback(await consent(provider.createAuthorizationURL({ state: 's' }), 'alice'));
    const tokens = await provider.validateAuthorizationCode(code);
    const reused = await provider.validateAuthorizationCode(code).catch((error: unknown) => error);
    expect(reused).toMatchObject({
      code: 'OAUTH_INVALID_CODE',
      platformCode: 'bad_verification_code',
      status: 200,
    });
    await expect(
      github({ appId: apps.default.appId, secret: 'nope' }).validateAuthorizationCode('x'),
    ).rejects.toMatchObject({
      code: 'OAUTH_CONFIG_ERROR',
    });
    sandbox().oauth.invalidateToken(tokens.accessToken());
    await expect(provider.getProfile(tokens)).rejects.toMatchObject({
      code: 'OAUTH_INVALID_TOKEN',
      status: 401,
    });
  });
});
