import { createHash } from 'node:crypto';
import { createManualClock } from '@lingpai/auth-core';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { GOOGLE_ISSUER, SANDBOX_OAUTH_DEFAULTS } from '../src/oauth/index.js';
import { json, REDIRECT, walkAuthorizePage } from './oauth-walk.js';

const google = SANDBOX_OAUTH_DEFAULTS.apps.google.default;
const START = Date.UTC(2026, 2, 1);
const clock = createManualClock(START);
let sandbox: Sandbox;

beforeEach(async () => {
  clock.set(START);
  sandbox = await createSandbox({ clock });
});
afterEach(() => sandbox.close());

const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

async function code(extra: Record<string, string> = {}, user = 'alice') {
  const params = await walkAuthorizePage(
    sandbox,
    '/google/o/oauth2/v2/auth',
    {
      client_id: google.appId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid email profile',
      state: 'g-state',
      nonce: 'n-0S6_WzA2Mj',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
      ...extra,
    },
    user,
  );
  expect(params.get('state')).toBe('g-state');
  expect(params.get('scope')).toBe(
    'openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile',
  );
  return String(params.get('code'));
}

function token(fields: Record<string, string>, headers: Record<string, string> = {}) {
  return sandbox.app.inject({
    method: 'POST',
    url: '/google/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(fields).toString(),
  });
}

const exchange = (c: string, extra: Record<string, string> = {}) =>
  token({
    grant_type: 'authorization_code',
    code: c,
    client_id: google.appId,
    client_secret: google.secret,
    redirect_uri: REDIRECT,
    code_verifier: VERIFIER,
    ...extra,
  });

describe('Google OpenID Connect', () => {
  it('ID token verifies with jose against the JWKS (over real HTTP), nonce echoed, email_verified, at_hash', async () => {
    const base = await sandbox.listen();
    const c = await code();
    const body = json(await exchange(c));
    expect(body).toMatchObject({ expires_in: 3599, token_type: 'Bearer' });
    expect(body).not.toHaveProperty('refresh_token');
    const discovery = (await (
      await fetch(`${base}/google/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    expect(discovery.issuer).toBe(GOOGLE_ISSUER);
    expect(discovery.jwks_uri).toBe(`${base}/google/oauth2/v3/certs`);
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri ?? ''));
    const { payload, protectedHeader } = await jwtVerify(String(body.id_token), jwks, {
      issuer: GOOGLE_ISSUER,
      audience: google.appId,
      currentDate: new Date(START + 1000),
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({
      sub: '100000000000000000001',
      email: 'alice@example.com',
      email_verified: true,
      nonce: 'n-0S6_WzA2Mj',
      azp: google.appId,
      iat: START / 1000,
      exp: START / 1000 + 3600,
      name: 'Alice Zhang',
    });
    const digest = createHash('sha256').update(String(body.access_token)).digest();
    expect(payload.at_hash).toBe(digest.subarray(0, 16).toString('base64url'));
    const info = await fetch(`${base}/google/v1/userinfo`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(await info.json()).toEqual({
      sub: '100000000000000000001',
      name: 'Alice Zhang',
      given_name: 'Alice',
      family_name: 'Zhang',
      picture: 'https://lh3.googleusercontent.com/a/sandbox-alice=s96-c',
      email: 'alice@example.com',
      email_verified: true,
    });
  });

  it('a token signed by the sandbox does not verify once tampered, and bob is email_verified false', async () => {
    const body = json(await exchange(await code({}, 'bob')));
    const certs = json(await sandbox.app.inject({ method: 'GET', url: '/google/oauth2/v3/certs' }));
    const jwks = createLocalJWKSet(certs as never);
    const parts = String(body.id_token).split('.');
    const claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(claims.email_verified).toBe(false);
    const forged = [
      parts[0],
      Buffer.from(JSON.stringify({ ...claims, email_verified: true })).toString('base64url'),
      parts[2],
    ].join('.');
    await expect(jwtVerify(forged, jwks, { currentDate: new Date(START) })).rejects.toThrow();
  });

  it('a code works once, expires after 10 minutes, and needs the PKCE verifier and the same redirect_uri', async () => {
    const c = await code();
    const missing = await exchange(c, { code_verifier: '' });
    expect(missing.statusCode).toBe(400);
    expect(json(missing)).toEqual({ error: 'invalid_grant', error_description: 'Missing code verifier.' });
    // The failed attempt spent the code.
    expect(json(await exchange(c))).toEqual({ error: 'invalid_grant', error_description: 'Bad Request' });
    const wrongVerifier = await exchange(await code(), { code_verifier: 'a'.repeat(43) });
    expect(json(wrongVerifier)).toEqual({
      error: 'invalid_grant',
      error_description: 'Invalid code verifier.',
    });
    expect(json(await exchange(await code(), { redirect_uri: 'http://127.0.0.1:3000/other' }))).toMatchObject(
      { error: 'redirect_uri_mismatch' },
    );
    const late = await code();
    clock.advance(10 * 60_000);
    expect(json(await exchange(late))).toMatchObject({ error: 'invalid_grant' });
    const badClient = await exchange(await code(), { client_secret: 'nope' });
    expect(badClient.statusCode).toBe(401);
    expect(json(badClient)).toEqual({ error: 'invalid_client', error_description: 'Unauthorized' });
  });

  it('refresh token only with access_type=offline on first consent (or prompt=consent); refresh gives a new ID token', async () => {
    const first = json(await exchange(await code({ access_type: 'offline' })));
    expect(String(first.refresh_token)).toMatch(/^1\/\/0g/);
    const second = json(await exchange(await code({ access_type: 'offline' })));
    expect(second).not.toHaveProperty('refresh_token');
    const forced = json(await exchange(await code({ access_type: 'offline', prompt: 'consent' })));
    expect(forced).toHaveProperty('refresh_token');
    clock.advance(3600_000);
    // client_secret_basic this time.
    const basic = Buffer.from(`${google.appId}:${google.secret}`).toString('base64');
    const refreshed = json(
      await token(
        { grant_type: 'refresh_token', refresh_token: String(first.refresh_token) },
        { authorization: `Basic ${basic}` },
      ),
    );
    expect(refreshed).toMatchObject({ expires_in: 3599, token_type: 'Bearer' });
    expect(refreshed).not.toHaveProperty('refresh_token');
    const claims = JSON.parse(
      Buffer.from(String(refreshed.id_token).split('.')[1] ?? '', 'base64url').toString(),
    ) as Record<string, unknown>;
    expect(claims.iat).toBe(START / 1000 + 3600);
    expect(claims).not.toHaveProperty('nonce');
  });

  it('userinfo without a valid token is 401 invalid_request; revoke works; the page refuses unknown redirect URIs', async () => {
    const body = json(await exchange(await code()));
    const revoke = () =>
      sandbox.app.inject({
        method: 'POST',
        url: '/google/revoke',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `token=${body.access_token}`,
      });
    expect((await revoke()).statusCode).toBe(200);
    expect(json(await revoke())).toEqual({
      error: 'invalid_token',
      error_description: 'Token expired or revoked',
    });
    const info = await sandbox.app.inject({
      method: 'GET',
      url: '/google/v1/userinfo',
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(info.statusCode).toBe(401);
    expect(json(info)).toEqual({ error: 'invalid_request', error_description: 'Invalid Credentials' });
    expect(info.headers['www-authenticate']).toContain('invalid_token');
    const page = await sandbox.app.inject({
      method: 'GET',
      url: `/google/o/oauth2/v2/auth?client_id=${google.appId}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&response_type=code&scope=openid`,
    });
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('redirect_uri_mismatch');
  });

  it('deny redirects with error=access_denied', async () => {
    const params = await walkAuthorizePage(
      sandbox,
      '/google/o/oauth2/v2/auth',
      { client_id: google.appId, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 's' },
      'alice',
      'deny',
    );
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('state')).toBe('s');
  });
});
