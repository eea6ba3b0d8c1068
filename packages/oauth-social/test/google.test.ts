import { createManualClock, MemoryStore } from '@lingpai/auth-core';
import { createSandbox, SANDBOX_OAUTH_DEFAULTS, type Sandbox } from '@lingpai/sandbox';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCodeVerifierNonce,
  Google,
  OAuthTokens,
  parseCallback,
  SignedOAuthState,
  StoredOAuthState,
} from '../src/index.js';
import { consent, REDIRECT_URI, useSandbox } from './support.js';

const app = SANDBOX_OAUTH_DEFAULTS.apps.google.default;
const alice = SANDBOX_OAUTH_DEFAULTS.users[0];

describe('Google (OpenID Connect) against the sandbox', () => {
  const { url, sandbox } = useSandbox();
  const google = (overrides: Partial<ConstructorParameters<typeof Google>[0]> = {}) =>
    new Google({
      clientId: app.appId,
      clientSecret: app.secret,
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/google`,
      ...overrides,
    });
  const states = new SignedOAuthState({ secret: 'google-state-secret-0123456789abcd' });

  const login = async (provider: Google, user = 'alice') => {
    const issued = states.create({ provider: 'google', redirectUri: REDIRECT_URI });
    const authorize = provider.createAuthorizationURL({
      state: issued.state,
      codeVerifier: issued.codeVerifier,
      nonce: issued.nonce,
    });
    const { code, state } = parseCallback(await consent(authorize, user));
    const verified = states.verify(state, { provider: 'google', redirectUri: REDIRECT_URI });
    return { code, ...verified };
  };

  it('PKCE + nonce: the ID token is verified against the JWKS, the profile comes from userinfo', async () => {
    const provider = google();
    const { code, codeVerifier, nonce } = await login(provider);
    const tokens = await provider.validateAuthorizationCode(code, { codeVerifier, nonce });
    const claims = await provider.verifyIdToken(tokens.idToken(), { nonce });
    expect(claims).toMatchObject({
      iss: 'https://accounts.google.com',
      aud: app.appId,
      sub: alice?.googleSub,
      nonce,
    });
    const profile = await provider.getProfile(tokens);
    expect(profile).toMatchObject({
      provider: 'google',
      id: alice?.googleSub,
      email: 'alice@example.com',
      emailVerified: true,
    });
    expect(tokens.hasRefreshToken()).toBe(true);
    const refreshed = await provider.refreshAccessToken(tokens.refreshToken());
    expect(refreshed.accessToken()).not.toBe(tokens.accessToken());
    // Regression: a refreshed ID token was handed out by `idToken()` without any verification.
    const { publicKey } = await generateKeyPair('RS256');
    const foreignKeys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), alg: 'RS256' }] });
    await expect(
      google({ jwks: foreignKeys }).refreshAccessToken(tokens.refreshToken()),
    ).rejects.toMatchObject({ code: 'OAUTH_INVALID_ID_TOKEN' });
  });

  it('rejects a nonce mismatch, a wrong audience and an expired ID token', async () => {
    const provider = google();
    const first = await login(provider);
    await expect(
      provider.validateAuthorizationCode(first.code, {
        codeVerifier: first.codeVerifier,
        nonce: 'another-nonce',
      }),
    ).rejects.toMatchObject({ code: 'OAUTH_INVALID_ID_TOKEN', message: expect.stringMatching(/nonce/) });

    const second = await login(provider, 'bob');
    const tokens = await provider.validateAuthorizationCode(second.code, second);
    const otherAudience = google({ clientId: 'someone-else.apps.googleusercontent.com' });
    await expect(otherAudience.verifyIdToken(tokens.idToken())).rejects.toMatchObject({
      code: 'OAUTH_INVALID_ID_TOKEN',
      message: expect.stringMatching(/aud/),
    });
    // Regression: userinfo was trusted without comparing its `sub` to the ID token's (OIDC §5.3.2).
    const aliceLogin = await login(provider);
    const alices = await provider.validateAuthorizationCode(aliceLogin.code, aliceLogin);
    const swapped = new OAuthTokens(
      'google',
      { accessToken: tokens.accessToken(), idToken: alices.idToken() },
      {},
      Date.now(),
    );
    await expect(provider.getProfile(swapped)).rejects.toMatchObject({
      code: 'OAUTH_BAD_RESPONSE',
      message: expect.stringMatching(/sub/),
    });
    const clock = createManualClock(Date.now() + 2 * 3_600_000);
    await expect(google({ clock }).verifyIdToken(tokens.idToken())).rejects.toMatchObject({
      code: 'OAUTH_INVALID_ID_TOKEN',
      message: expect.stringMatching(/expired/),
    });
  });

  it('maps token errors: a used code is invalid_grant, a wrong verifier too, a bad secret is a config error', async () => {
    const provider = google();
    const { code, codeVerifier, nonce } = await login(provider);
    await expect(
      provider.validateAuthorizationCode(code, { codeVerifier: 'x'.repeat(43) }),
    ).rejects.toMatchObject({
      code: 'OAUTH_INVALID_CODE',
      platformCode: 'invalid_grant',
      status: 400,
    });
    await expect(provider.validateAuthorizationCode(code, { codeVerifier, nonce })).rejects.toMatchObject({
      code: 'OAUTH_INVALID_CODE',
    });
    await expect(google({ clientSecret: 'nope' }).validateAuthorizationCode('x')).rejects.toMatchObject({
      code: 'OAUTH_CONFIG_ERROR',
    });
    const fresh = await login(provider);
    const tokens = await provider.validateAuthorizationCode(fresh.code, fresh);
    sandbox().oauth.invalidateToken(tokens.accessToken());
    await expect(provider.getProfile(tokens)).rejects.toMatchObject({ code: 'OAUTH_INVALID_TOKEN' });
  });
});

describe('Google ID token checks with local keys', () => {
  it('accepts a good token and rejects a foreign signature, a wrong issuer and a missing nonce', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
    const google = new Google({
      clientId: 'cid',
      clientSecret: 's',
      jwks: createLocalJWKSet({ keys: [jwk] }),
    });
    const sign = (claims: Record<string, unknown>, key = privateKey) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer((claims.iss as string | undefined) ?? 'https://accounts.google.com')
        .setAudience('cid')
        .setSubject('123')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(key);
    expect((await google.verifyIdToken(await sign({ nonce: 'n' }), { nonce: 'n' })).sub).toBe('123');
    // Google also signs with the scheme-less issuer.
    expect((await google.verifyIdToken(await sign({ iss: 'accounts.google.com' }))).sub).toBe('123');
    await expect(google.verifyIdToken(await sign({ iss: 'https://evil.example' }))).rejects.toMatchObject({
      code: 'OAUTH_INVALID_ID_TOKEN',
    });
    await expect(google.verifyIdToken(await sign({}), { nonce: 'n' })).rejects.toMatchObject({
      code: 'OAUTH_INVALID_ID_TOKEN',
    });
    // Regression: jose skips `exp` when absent, so a token with no expiry used to verify forever.
    const noExpiry = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('https://accounts.google.com')
      .setAudience('cid')
      .setSubject('123')
      .setIssuedAt()
      .sign(privateKey);
    await expect(google.verifyIdToken(noExpiry)).rejects.toMatchObject({
      code: 'OAUTH_INVALID_ID_TOKEN',
      message: expect.stringMatching(/exp/),
    });
    // Regression: a token issued to another client that merely lists us as an audience.
    const forOther = await new SignJWT({ azp: 'another-client' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('https://accounts.google.com')
      .setAudience(['another-client', 'cid'])
      .setSubject('123')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    await expect(google.verifyIdToken(forOther)).rejects.toMatchObject({
      code: 'OAUTH_INVALID_ID_TOKEN',
      message: expect.stringMatching(/azp/),
    });
    const other = await generateKeyPair('RS256');
    await expect(google.verifyIdToken(await sign({}, other.privateKey))).rejects.toMatchObject({
      code: 'OAUTH_INVALID_ID_TOKEN',
      message: expect.stringMatching(/signature/),
    });
  });
});

describe('Google ID-token nonce is required whenever the state carries one', () => {
  const { url } = useSandbox();
  const google = () =>
    new Google({
      clientId: app.appId,
      clientSecret: app.secret,
      redirectUri: REDIRECT_URI,
      baseURL: `${url()}/google`,
    });
  const signed = new SignedOAuthState({ secret: 'google-nonce-secret-0123456789abcdef' });
  const stored = new StoredOAuthState({ store: new MemoryStore() });

  /** Runs consent on `authorize` after `tamper` (what an attacker does to the URL in the browser). */
  const codeFrom = async (authorize: URL, tamper: (url: URL) => void = () => {}) => {
    tamper(authorize);
    return parseCallback(await consent(authorize, 'alice')).code;
  };

  it('an ID token without a nonce fails the exchange even when the caller passes only the verifier', async () => {
    const provider = google();
    const issued = signed.create({ provider: 'google', redirectUri: REDIRECT_URI });
    const authorize = provider.createAuthorizationURL({
      state: issued.state,
      codeVerifier: issued.codeVerifier,
      nonce: issued.nonce,
    });
    // Stripped on the way: the sandbox (with its real signing key) then mints a token with no nonce.
    const code = await codeFrom(authorize, (target) => target.searchParams.delete('nonce'));
    const { codeVerifier } = signed.verify(issued.state, { provider: 'google', redirectUri: REDIRECT_URI });
    await expect(provider.validateAuthorizationCode(code, { codeVerifier })).rejects.toMatchObject({
      code: 'OAUTH_INVALID_ID_TOKEN',
      message: expect.stringMatching(/carries none/),
    });
  });

  it("an ID token with someone else's nonce fails the exchange even when the caller passes only the verifier", async () => {
    const provider = google();
    const issued = await stored.create({ provider: 'google', redirectUri: REDIRECT_URI });
    const authorize = provider.createAuthorizationURL({
      state: issued.state,
      codeVerifier: issued.codeVerifier,
      nonce: issued.nonce,
    });
    const code = await codeFrom(authorize, (target) =>
      target.searchParams.set('nonce', 'the-attackers-nonce'),
    );
    const { codeVerifier } = await stored.consume(issued.state, {
      provider: 'google',
      redirectUri: REDIRECT_URI,
    });
    await expect(provider.validateAuthorizationCode(code, { codeVerifier })).rejects.toMatchObject({
      code: 'OAUTH_INVALID_ID_TOKEN',
      message: expect.stringMatching(/nonce does not match/),
    });
  });

  it('a caller who forgets the nonce on both sides still gets it sent and checked (it follows from the verifier)', async () => {
    const provider = google();
    for (const issued of [
      signed.create({ provider: 'google', redirectUri: REDIRECT_URI }),
      await stored.create({ provider: 'google', redirectUri: REDIRECT_URI }),
    ]) {
      expect(issued.nonce).toBe(createCodeVerifierNonce(issued.codeVerifier));
      const authorize = provider.createAuthorizationURL({
        state: issued.state,
        codeVerifier: issued.codeVerifier,
      });
      expect(authorize.searchParams.get('nonce')).toBe(issued.nonce);
      const tokens = await provider.validateAuthorizationCode(await codeFrom(authorize), {
        codeVerifier: issued.codeVerifier,
      });
      expect((await provider.verifyIdToken(tokens.idToken())).nonce).toBe(issued.nonce);
    }
  });
});

describe('Google ID-token iat may not be in the future beyond the clock skew', () => {
  // The platform's clock runs ten minutes ahead of ours: its tokens are dated in our future.
  let sandbox: Sandbox | undefined;
  let base = '';
  beforeAll(async () => {
    sandbox = await createSandbox({ clock: createManualClock(Date.now() + 10 * 60_000) });
    base = await sandbox.listen();
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('refuses a token the sandbox signed with iat ten minutes ahead', async () => {
    const provider = new Google({
      clientId: app.appId,
      clientSecret: app.secret,
      redirectUri: REDIRECT_URI,
      baseURL: `${base}/google`,
    });
    const states = new SignedOAuthState({ secret: 'google-iat-secret-0123456789abcdef01' });
    const issued = states.create({ provider: 'google', redirectUri: REDIRECT_URI });
    const authorize = provider.createAuthorizationURL({
      state: issued.state,
      codeVerifier: issued.codeVerifier,
      nonce: issued.nonce,
    });
    const { code } = parseCallback(await consent(authorize, 'alice'));
    await expect(provider.validateAuthorizationCode(code, issued)).rejects.toMatchObject({
      code: 'OAUTH_INVALID_ID_TOKEN',
      // 600 s minus however long the test took since the sandbox started (a loaded machine: 599).
      message: expect.stringMatching(/`iat` is (59\d|600) s in the future/),
    });
  });

  it('allows exactly the configured skew and not a second more; refuses an unbounded skew option', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }] });
    const now = 1_800_000_000;
    const clock = createManualClock(now * 1000);
    const token = (iat: number) =>
      new SignJWT({ nonce: 'n' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer('https://accounts.google.com')
        .setAudience('cid')
        .setSubject('123')
        .setIssuedAt(iat)
        .setExpirationTime(iat + 3600)
        .sign(privateKey);
    const defaults = new Google({ clientId: 'cid', clientSecret: 's', jwks, clock });
    expect((await defaults.verifyIdToken(await token(now + 30), { nonce: 'n' })).sub).toBe('123');
    await expect(defaults.verifyIdToken(await token(now + 31), { nonce: 'n' })).rejects.toMatchObject({
      code: 'OAUTH_INVALID_ID_TOKEN',
      message: expect.stringMatching(/iat/),
    });
    const sixty = new Google({ clientId: 'cid', clientSecret: 's', jwks, clock, clockToleranceSec: 60 });
    expect((await sixty.verifyIdToken(await token(now + 60))).sub).toBe('123');
    await expect(sixty.verifyIdToken(await token(now + 61))).rejects.toMatchObject({
      code: 'OAUTH_INVALID_ID_TOKEN',
    });
    for (const clockToleranceSec of [-1, 301, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new Google({ clientId: 'cid', clientSecret: 's', jwks, clockToleranceSec })).toThrow(
        expect.objectContaining({
          code: 'OAUTH_CONFIG_ERROR',
          message: expect.stringMatching(/clockToleranceSec/),
        }),
      );
    }
  });
});
