import { createHash } from 'node:crypto';
import { createManualClock } from '@lingpai/auth-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { SANDBOX_OAUTH_DEFAULTS, sandboxOauthIds, sandboxOauthUser } from '../src/oauth/index.js';
import { json, REDIRECT, walkAuthorizePage } from './oauth-walk.js';

const lark = SANDBOX_OAUTH_DEFAULTS.apps.lark.default;
const clock = createManualClock(Date.UTC(2026, 2, 1));
let sandbox: Sandbox;

beforeEach(async () => {
  clock.set(Date.UTC(2026, 2, 1));
  sandbox = await createSandbox({ clock });
});
afterEach(() => sandbox.close());

const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
// RFC 7636 appendix B: the S256 challenge of the verifier above.
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

async function code(scope: string, pkce = true) {
  const params = await walkAuthorizePage(sandbox, '/lark/open-apis/authen/v1/authorize', {
    client_id: lark.appId,
    redirect_uri: REDIRECT,
    scope,
    state: 'st',
    ...(pkce ? { code_challenge: CHALLENGE, code_challenge_method: 'S256' } : {}),
  });
  expect(params.get('state')).toBe('st');
  return String(params.get('code'));
}

function token(body: Record<string, unknown>) {
  return sandbox.app.inject({ method: 'POST', url: '/lark/open-apis/authen/v2/oauth/token', payload: body });
}

describe('Lark user login', () => {
  it('authorize → code → v2 token (PKCE S256) → user_info; email only with the contact scope', async () => {
    expect(createHash('sha256').update(VERIFIER).digest('base64url')).toBe(CHALLENGE);
    const c = await code('contact:user.email:readonly offline_access');
    const response = await token({
      grant_type: 'authorization_code',
      client_id: lark.appId,
      client_secret: lark.secret,
      code: c,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
    });
    expect(response.statusCode).toBe(200);
    const body = json(response);
    expect(body).toMatchObject({
      code: 0,
      expires_in: 7200,
      token_type: 'Bearer',
      refresh_token_expires_in: 604800,
    });
    expect(String(body.access_token)).toMatch(/^u-/);
    const info = await sandbox.app.inject({
      method: 'GET',
      url: '/lark/open-apis/authen/v1/user_info',
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    const ids = sandboxOauthIds('lark', lark, sandboxOauthUser('alice'));
    expect(json(info)).toMatchObject({
      code: 0,
      msg: 'success',
      data: {
        open_id: ids.openId,
        union_id: ids.unionId,
        email: 'alice@example.com',
        en_name: 'Alice Zhang',
      },
    });
    expect(ids.openId).toMatch(/^ou_[0-9a-f]{32}$/);

    const plain = await token({
      grant_type: 'authorization_code',
      client_id: lark.appId,
      client_secret: lark.secret,
      code: await code('', false),
    });
    const plainBody = json(plain);
    expect(plainBody).not.toHaveProperty('refresh_token');
    const plainInfo = await sandbox.app.inject({
      method: 'GET',
      url: '/lark/open-apis/authen/v1/user_info',
      headers: { authorization: `Bearer ${plainBody.access_token}` },
    });
    expect((json(plainInfo).data as Record<string, unknown>).email).toBeUndefined();
  });

  it('PKCE: a wrong or missing verifier is refused; the code is then spent', async () => {
    const c = await code('');
    const base = {
      grant_type: 'authorization_code',
      client_id: lark.appId,
      client_secret: lark.secret,
      code: c,
    };
    const wrong = await token({ ...base, code_verifier: 'x'.repeat(43) });
    expect(wrong.statusCode).toBe(400);
    expect(json(wrong)).toMatchObject({ code: 20024, error: 'invalid_grant' });
    expect(json(await token({ ...base, code_verifier: VERIFIER }))).toMatchObject({
      code: 20003,
      error: 'invalid_grant',
    });
    const missing = await token({ ...base, code: await code('') });
    expect(json(missing)).toMatchObject({ error: 'invalid_grant' });
  });

  it('a code expires after 5 minutes (20004); a wrong secret is invalid_client', async () => {
    const c = await code('', false);
    clock.advance(5 * 60_000);
    expect(
      json(
        await token({
          grant_type: 'authorization_code',
          client_id: lark.appId,
          client_secret: lark.secret,
          code: c,
        }),
      ),
    ).toMatchObject({
      code: 20004,
    });
    expect(
      json(
        await token({
          grant_type: 'authorization_code',
          client_id: lark.appId,
          client_secret: 'bad',
          code: c,
        }),
      ),
    ).toMatchObject({
      code: 20002,
      error: 'invalid_client',
    });
  });

  it('refresh rotates: the old refresh token is refused afterwards', async () => {
    const first = json(
      await token({
        grant_type: 'authorization_code',
        client_id: lark.appId,
        client_secret: lark.secret,
        code: await code('offline_access', false),
      }),
    );
    const refresh = {
      grant_type: 'refresh_token',
      client_id: lark.appId,
      client_secret: lark.secret,
      refresh_token: first.refresh_token,
    };
    const second = json(await token(refresh));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(json(await token(refresh))).toMatchObject({ code: 20064, error: 'invalid_grant' });
  });
});

describe('Lark app tokens', () => {
  const tenant = () =>
    sandbox.app.inject({
      method: 'POST',
      url: '/lark/open-apis/auth/v3/tenant_access_token/internal',
      payload: { app_id: lark.appId, app_secret: lark.secret },
    });
  const bot = async (t: unknown) =>
    json(
      await sandbox.app.inject({
        method: 'GET',
        url: '/lark/open-apis/bot/v3/info',
        headers: { authorization: `Bearer ${t}` },
      }),
    );

  it('the same tenant token while ≥ 30 minutes remain, `expire` counting down; then a new one, both valid', async () => {
    const first = json(await tenant());
    expect(first).toMatchObject({ code: 0, msg: 'ok', expire: 7200 });
    clock.advance(60 * 60_000);
    expect(json(await tenant())).toEqual({
      code: 0,
      msg: 'ok',
      tenant_access_token: first.tenant_access_token,
      expire: 3600,
    });
    clock.advance(30 * 60_000);
    // Exactly 30 minutes left: still the same.
    expect(json(await tenant()).tenant_access_token).toBe(first.tenant_access_token);
    clock.advance(1000);
    const next = json(await tenant());
    expect(next.tenant_access_token).not.toBe(first.tenant_access_token);
    expect(next.expire).toBe(7200);
    expect(await bot(first.tenant_access_token)).toMatchObject({ code: 0, bot: { app_name: lark.name } });
    expect(await bot(next.tenant_access_token)).toMatchObject({ code: 0 });
    clock.advance(30 * 60_000);
    expect(await bot(first.tenant_access_token)).toMatchObject({ code: 99991663 });
    expect(await bot(next.tenant_access_token)).toMatchObject({ code: 0 });
    expect(sandbox.oauth.fetches('lark', lark.appId, 'auth/v3/tenant_access_token/internal')).toBe(4);
  });

  it('app_access_token/internal follows the same rule; a wrong secret answers 10014', async () => {
    const app = () =>
      sandbox.app.inject({
        method: 'POST',
        url: '/lark/open-apis/auth/v3/app_access_token/internal',
        payload: { app_id: lark.appId, app_secret: lark.secret },
      });
    const first = json(await app());
    expect(String(first.app_access_token)).toMatch(/^a-/);
    // Like Lark, the self-built app's answer also carries a working tenant_access_token.
    expect(await bot(first.tenant_access_token)).toMatchObject({ code: 0 });
    clock.advance(10 * 60_000);
    expect(json(await app())).toMatchObject({ app_access_token: first.app_access_token, expire: 6600 });
    const bad = await sandbox.app.inject({
      method: 'POST',
      url: '/lark/open-apis/auth/v3/tenant_access_token/internal',
      payload: { app_id: lark.appId, app_secret: 'nope' },
    });
    expect(json(bad)).toMatchObject({ code: 10014 });
    // An app token is not a tenant token.
    expect(await bot(first.app_access_token)).toMatchObject({ code: 99991663 });
  });

  it('legacy authen/v1/access_token exchanges a code with an app_access_token', async () => {
    const appToken = json(
      await sandbox.app.inject({
        method: 'POST',
        url: '/lark/open-apis/auth/v3/app_access_token/internal',
        payload: { app_id: lark.appId, app_secret: lark.secret },
      }),
    ).app_access_token;
    const response = await sandbox.app.inject({
      method: 'POST',
      url: '/lark/open-apis/authen/v1/access_token',
      headers: { authorization: `Bearer ${appToken}` },
      payload: { grant_type: 'authorization_code', code: await code('', false) },
    });
    const body = json(response);
    expect(body).toMatchObject({ code: 0, msg: 'success', data: { token_type: 'Bearer', name: '爱丽丝' } });
  });

  it('quota fault answers 99991400', async () => {
    sandbox.faults.set('lark', { quota: true, times: 1 });
    expect(json(await tenant())).toMatchObject({ code: 99991400 });
    expect(json(await tenant())).toMatchObject({ code: 0 });
  });
});
