import { createManualClock } from '@lingpai/auth-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { SANDBOX_OAUTH_DEFAULTS } from '../src/oauth/index.js';
import { json, REDIRECT, walkAuthorizePage } from './oauth-walk.js';

const { default: github, expiring } = SANDBOX_OAUTH_DEFAULTS.apps.github;
const clock = createManualClock(Date.UTC(2026, 2, 1));
let sandbox: Sandbox;

beforeEach(async () => {
  clock.set(Date.UTC(2026, 2, 1));
  sandbox = await createSandbox({ clock });
});
afterEach(() => sandbox.close());

async function code(appId = github.appId, scope = 'read:user user:email', user = 'alice') {
  const params = await walkAuthorizePage(
    sandbox,
    '/github/login/oauth/authorize',
    { client_id: appId, redirect_uri: REDIRECT, scope, state: 'gh' },
    user,
  );
  expect(params.get('state')).toBe('gh');
  return String(params.get('code'));
}

function exchange(fields: Record<string, string>, accept = 'application/json') {
  return sandbox.app.inject({
    method: 'POST',
    url: '/github/login/oauth/access_token',
    headers: { accept, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });
}

function api(
  path: string,
  token: unknown,
  headers: Record<string, string> = { 'user-agent': 'lingpai-test' },
) {
  return sandbox.app.inject({
    method: 'GET',
    url: `/github${path}`,
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
}

describe('GitHub OAuth app', () => {
  it('code → token (JSON) → /user with null email → /user/emails', async () => {
    const response = await exchange({
      client_id: github.appId,
      client_secret: github.secret,
      code: await code(),
      redirect_uri: REDIRECT,
    });
    const body = json(response);
    expect(body).toMatchObject({ token_type: 'bearer', scope: 'read:user,user:email' });
    expect(String(body.access_token)).toMatch(/^gho_[A-Za-z0-9_-]{36}$/);
    expect(body).not.toHaveProperty('expires_in');
    const user = await api('/user', body.access_token);
    expect(user.statusCode).toBe(200);
    expect(json(user)).toMatchObject({
      login: 'alice-sandbox',
      id: 9_000_001,
      email: null,
      name: 'Alice Zhang',
    });
    expect(user.headers['x-oauth-scopes']).toBe('read:user, user:email');
    const emails = await api('/user/emails', body.access_token);
    expect(emails.json()).toEqual([
      { email: 'alice@example.com', primary: true, verified: true, visibility: 'private' },
      {
        email: '9000001+alice-sandbox@users.noreply.github.com',
        primary: false,
        verified: true,
        visibility: null,
      },
    ]);
  });

  it('answers a query string by default, and errors with HTTP 200', async () => {
    const c = await code();
    const plain = await exchange({ client_id: github.appId, client_secret: github.secret, code: c }, '*/*');
    expect(plain.headers['content-type']).toContain('application/x-www-form-urlencoded');
    const parsed = new URLSearchParams(plain.body);
    expect(parsed.get('token_type')).toBe('bearer');
    expect(parsed.get('access_token')).toMatch(/^gho_/);
    const reused = await exchange({ client_id: github.appId, client_secret: github.secret, code: c });
    expect(reused.statusCode).toBe(200);
    expect(json(reused)).toMatchObject({
      error: 'bad_verification_code',
      error_description: 'The code passed is incorrect or expired.',
    });
    const badSecret = await exchange({ client_id: github.appId, client_secret: 'x', code: await code() });
    expect(json(badSecret)).toMatchObject({ error: 'incorrect_client_credentials' });
    const mismatch = await exchange({
      client_id: github.appId,
      client_secret: github.secret,
      code: await code(),
      redirect_uri: 'http://127.0.0.1:1/x',
    });
    expect(json(mismatch)).toMatchObject({ error: 'redirect_uri_mismatch' });
    const late = await code();
    clock.advance(10 * 60_000);
    expect(
      json(await exchange({ client_id: github.appId, client_secret: github.secret, code: late })),
    ).toMatchObject({ error: 'bad_verification_code' });
  });

  it('the REST API wants a User-Agent and a valid token; emails need user:email', async () => {
    const token = json(
      await exchange({
        client_id: github.appId,
        client_secret: github.secret,
        code: await code(github.appId, 'read:user'),
      }),
    ).access_token;
    const noAgent = await api('/user', token, { 'user-agent': '' });
    expect(noAgent.statusCode).toBe(403);
    expect(noAgent.body).toContain('User-Agent');
    const bad = await api('/user', 'gho_nope');
    expect(bad.statusCode).toBe(401);
    expect(json(bad)).toMatchObject({ message: 'Bad credentials' });
    expect((await api('/user/emails', token)).statusCode).toBe(404);
  });

  it('bob made a verified secondary address public: /user shows it, /user/emails flags each address', async () => {
    const token = json(
      await exchange({
        client_id: github.appId,
        client_secret: github.secret,
        code: await code(github.appId, 'read:user user:email', 'bob'),
      }),
    ).access_token;
    expect(json(await api('/user', token))).toMatchObject({
      login: 'bob-sandbox',
      email: 'bob@work.example.org',
    });
    expect((await api('/user/emails', token)).json()).toEqual([
      { email: 'bob@example.org', primary: true, verified: false, visibility: 'private' },
      { email: 'bob@work.example.org', primary: false, verified: true, visibility: 'public' },
      {
        email: '9000002+bob-sandbox@users.noreply.github.com',
        primary: false,
        verified: true,
        visibility: null,
      },
    ]);
  });

  it('carol has no email: /user/emails is empty', async () => {
    const token = json(
      await exchange({
        client_id: github.appId,
        client_secret: github.secret,
        code: await code(github.appId, 'user:email', 'carol'),
      }),
    ).access_token;
    expect((await api('/user/emails', token)).json()).toEqual([]);
  });

  it('quota fault answers 403 rate limit', async () => {
    sandbox.faults.set('github', { quota: true, times: 1 });
    const limited = await api('/user', 'x');
    expect(limited.statusCode).toBe(403);
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(json(limited).message).toMatch(/rate limit exceeded/);
  });
});

describe('GitHub expiring tokens', () => {
  it('8-hour tokens; a refresh rotates both, the old refresh token is then refused', async () => {
    const body = json(
      await exchange({
        client_id: expiring.appId,
        client_secret: expiring.secret,
        code: await code(expiring.appId),
      }),
    );
    expect(body).toMatchObject({
      expires_in: 28_800,
      refresh_token_expires_in: 15_897_600,
      token_type: 'bearer',
    });
    expect(String(body.access_token)).toMatch(/^ghu_/);
    expect(String(body.refresh_token)).toMatch(/^ghr_/);
    clock.advance(28_800_000);
    expect((await api('/user', body.access_token)).statusCode).toBe(401);
    const refresh = {
      client_id: expiring.appId,
      client_secret: expiring.secret,
      grant_type: 'refresh_token',
      refresh_token: String(body.refresh_token),
    };
    const next = json(await exchange(refresh));
    expect(next.refresh_token).not.toBe(body.refresh_token);
    expect((await api('/user', next.access_token)).statusCode).toBe(200);
    expect(json(await exchange(refresh))).toMatchObject({ error: 'bad_refresh_token' });
  });
});
