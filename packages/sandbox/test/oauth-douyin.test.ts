import { createDecipheriv } from 'node:crypto';
import { createManualClock } from '@lingpai/auth-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { SANDBOX_OAUTH_DEFAULTS, sandboxOauthIds, sandboxOauthUser } from '../src/oauth/index.js';
import { json, REDIRECT, walkAuthorizePage } from './oauth-walk.js';

const douyin = SANDBOX_OAUTH_DEFAULTS.apps.douyin.default;
const clock = createManualClock(Date.UTC(2026, 2, 1));
let sandbox: Sandbox;

beforeEach(async () => {
  clock.set(Date.UTC(2026, 2, 1));
  sandbox = await createSandbox({ clock });
});
afterEach(() => sandbox.close());

function form(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return sandbox.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(fields).toString(),
  });
}

async function login(user = 'alice', scope = 'user_info') {
  const params = await walkAuthorizePage(
    sandbox,
    '/douyin/platform/oauth/connect/',
    {
      client_key: douyin.appId,
      response_type: 'code',
      scope,
      redirect_uri: REDIRECT,
      state: 'd1',
    },
    user,
  );
  expect(params.get('scopes')).toBe(scope);
  return String(params.get('code'));
}

function exchange(code: string) {
  return form('/douyin/oauth/access_token/', {
    client_key: douyin.appId,
    client_secret: douyin.secret,
    code,
    grant_type: 'authorization_code',
  });
}

describe('Douyin user login', () => {
  it('authorize → code → access_token → userinfo (data + message shapes)', async () => {
    const body = json(await exchange(await login()));
    expect(body.message).toBe('success');
    const data = body.data as Record<string, unknown>;
    const ids = sandboxOauthIds('douyin', douyin, sandboxOauthUser('alice'));
    expect(data).toMatchObject({
      error_code: 0,
      description: '',
      expires_in: 1_296_000,
      refresh_expires_in: 2_592_000,
      open_id: ids.openId,
      scope: 'user_info',
    });
    expect(String(data.access_token)).toMatch(/^act\./);
    expect(String(data.refresh_token)).toMatch(/^rft\./);
    const info = json(
      await form(
        '/douyin/oauth/userinfo/',
        { open_id: ids.openId },
        { 'access-token': String(data.access_token) },
      ),
    );
    expect(info).toMatchObject({
      message: 'success',
      data: { error_code: 0, nickname: '爱丽丝', open_id: ids.openId, union_id: ids.unionId },
    });
  });

  it('with the mobile scope, encrypt_mobile decrypts with AES-256-CBC (key = client_secret, IV = its first 16 bytes)', async () => {
    const data = json(await exchange(await login('bob', 'user_info,mobile'))).data as Record<string, unknown>;
    const openId = sandboxOauthIds('douyin', douyin, sandboxOauthUser('bob')).openId;
    const info = json(
      await form(
        '/douyin/oauth/userinfo/',
        { open_id: openId },
        { 'access-token': String(data.access_token) },
      ),
    );
    const encrypted = String((info.data as Record<string, unknown>).encrypt_mobile);
    const key = Buffer.from(douyin.secret);
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    expect(Buffer.concat([decipher.update(encrypted, 'base64'), decipher.final()]).toString()).toBe(
      '13800000002',
    );
    const plain = json(await exchange(await login())).data as Record<string, unknown>;
    const aliceId = sandboxOauthIds('douyin', douyin, sandboxOauthUser('alice')).openId;
    const without = json(
      await form(
        '/douyin/oauth/userinfo/',
        { open_id: aliceId },
        { 'access-token': String(plain.access_token) },
      ),
    );
    expect(without.data).not.toHaveProperty('encrypt_mobile');
  });

  it('a code works once; errors sit inside data with message "error" and an extra block', async () => {
    const code = await login();
    await exchange(code);
    const again = await exchange(code);
    expect(again.statusCode).toBe(200);
    const body = json(again);
    expect(body.message).toBe('error');
    expect(body.data).toMatchObject({ error_code: 10007 });
    expect(body.extra).toMatchObject({ error_code: 10007 });
    expect(json(await form('/douyin/oauth/access_token/', { client_key: douyin.appId })).data).toMatchObject({
      error_code: 2100005,
      description: 'Parameter error',
    });
  });

  it('refresh gives a new access token without extending the refresh token; renew_refresh_token does, 5 times', async () => {
    const data = json(await exchange(await login())).data as Record<string, unknown>;
    clock.advance(86_400_000);
    const refreshed = json(
      await form('/douyin/oauth/refresh_token/', {
        client_key: douyin.appId,
        grant_type: 'refresh_token',
        refresh_token: String(data.refresh_token),
      }),
    ).data as Record<string, unknown>;
    expect(refreshed.access_token).not.toBe(data.access_token);
    expect(refreshed.refresh_token).toBe(data.refresh_token);
    expect(refreshed.refresh_expires_in).toBe(2_592_000 - 86_400);
    let current = String(data.refresh_token);
    for (let i = 0; i < 5; i += 1) {
      const renewed = json(
        await form('/douyin/oauth/renew_refresh_token/', {
          client_key: douyin.appId,
          refresh_token: current,
        }),
      ).data as Record<string, unknown>;
      expect(renewed.error_code).toBe(0);
      current = String(renewed.refresh_token);
    }
    const sixth = json(
      await form('/douyin/oauth/renew_refresh_token/', { client_key: douyin.appId, refresh_token: current }),
    );
    expect(sixth.data).toMatchObject({ error_code: 10010 });
  });
});

describe('Douyin client_token', () => {
  const fetchToken = async () =>
    String(
      (
        json(
          await sandbox.app.inject({
            method: 'POST',
            url: '/douyin/oauth/client_token/',
            payload: {
              client_key: douyin.appId,
              client_secret: douyin.secret,
              grant_type: 'client_credential',
            },
          }),
        ).data as Record<string, unknown>
      ).access_token,
    );
  const ticket = async (token: string) =>
    json(
      await sandbox.app.inject({
        method: 'GET',
        url: '/douyin/js/getticket/',
        headers: { 'access-token': token },
      }),
    );

  it('only the newest two are valid; the previous one only for 5 minutes', async () => {
    const a = await fetchToken();
    expect(a).toMatch(/^clt\./);
    expect((await ticket(a)).data).toMatchObject({ error_code: 0 });
    const b = await fetchToken();
    expect((await ticket(a)).data).toMatchObject({ error_code: 0 });
    const c = await fetchToken();
    // Three fetched: the oldest is gone at once.
    expect((await ticket(a)).data).toMatchObject({ error_code: 28001003 });
    expect((await ticket(b)).data).toMatchObject({ error_code: 0 });
    clock.advance(5 * 60_000);
    expect((await ticket(b)).data).toMatchObject({ error_code: 28001003 });
    expect((await ticket(c)).data).toMatchObject({ error_code: 0 });
    clock.advance(7200_000);
    expect((await ticket(c)).data).toMatchObject({ error_code: 2190008 });
    expect(sandbox.oauth.fetches('douyin', douyin.appId, 'oauth/client_token')).toBe(3);
  });

  it('a wrong secret and the quota fault answer in the Douyin shape', async () => {
    const bad = json(
      await sandbox.app.inject({
        method: 'POST',
        url: '/douyin/oauth/client_token/',
        payload: { client_key: douyin.appId, client_secret: 'x', grant_type: 'client_credential' },
      }),
    );
    expect(bad).toMatchObject({ message: 'error', data: { error_code: 10013 } });
    sandbox.faults.set('douyin', { quota: true });
    const limited = json(await sandbox.app.inject({ method: 'GET', url: '/douyin/js/getticket/' }));
    expect(limited.data).toMatchObject({ error_code: 10020 });
  });
});
