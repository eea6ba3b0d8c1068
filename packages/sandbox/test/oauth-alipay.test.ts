import { createSign, createVerify } from 'node:crypto';
import { createManualClock } from '@lingpai/auth-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { SANDBOX_OAUTH_DEFAULTS, sandboxOauthIds, sandboxOauthUser } from '../src/oauth/index.js';
import { REDIRECT, walkAuthorizePage } from './oauth-walk.js';

const { default: alipay, userIdMode } = SANDBOX_OAUTH_DEFAULTS.apps.alipay;
const keys = SANDBOX_OAUTH_DEFAULTS.alipay;
const clock = createManualClock(Date.UTC(2026, 2, 1));
let sandbox: Sandbox;

beforeEach(async () => {
  clock.set(Date.UTC(2026, 2, 1));
  sandbox = await createSandbox({ clock });
});
afterEach(() => sandbox.close());

/** Signs like an Alipay SDK: sorted `k=v` of every non-empty parameter but `sign`, SHA256withRSA. */
function signed(
  params: Record<string, string>,
  privateKey: string = keys.appPrivateKey,
): Record<string, string> {
  const content = Object.keys(params)
    .filter((key) => params[key] !== '')
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join('&');
  return { ...params, sign: createSign('RSA-SHA256').update(content, 'utf8').sign(privateKey, 'base64') };
}

function common(appId: string, method: string): Record<string, string> {
  return {
    app_id: appId,
    method,
    format: 'JSON',
    charset: 'utf-8',
    sign_type: 'RSA2',
    timestamp: '2026-03-01 08:00:00',
    version: '1.0',
  };
}

/** Calls the gateway and verifies the response signature over the exact `*_response` JSON text. */
async function gateway(params: Record<string, string>) {
  const response = await sandbox.app.inject({
    method: 'POST',
    url: '/alipay/gateway.do',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
    payload: new URLSearchParams(params).toString(),
  });
  expect(response.statusCode).toBe(200);
  const text = response.body;
  const match = /^\{"(\w+)":(\{.*\}),"sign":"([^"]+)"\}$/.exec(text);
  expect(match, text).not.toBeNull();
  const [, key = '', inner = '', sign = ''] = match ?? [];
  const verified = createVerify('RSA-SHA256')
    .update(inner, 'utf8')
    .verify(keys.alipayPublicKey, sign, 'base64');
  return { key, body: JSON.parse(inner) as Record<string, unknown>, verified, sign };
}

async function authCode(appId = alipay.appId, scope = 'auth_user') {
  const params = await walkAuthorizePage(sandbox, '/alipay/oauth2/publicAppAuthorize.htm', {
    app_id: appId,
    scope,
    redirect_uri: REDIRECT,
    state: 'ali',
  });
  expect(params.get('app_id')).toBe(appId);
  expect(params.get('source')).toBe('alipay_wallet');
  expect(params.has('code')).toBe(false);
  return String(params.get('auth_code'));
}

describe('Alipay gateway', () => {
  it('auth_code → alipay.system.oauth.token → alipay.user.info.share, responses signed', async () => {
    const token = await gateway(
      signed({
        ...common(alipay.appId, 'alipay.system.oauth.token'),
        grant_type: 'authorization_code',
        code: await authCode(),
      }),
    );
    expect(token.verified).toBe(true);
    expect(token.key).toBe('alipay_system_oauth_token_response');
    const ids = sandboxOauthIds('alipay', alipay, sandboxOauthUser('alice'));
    expect(token.body).toMatchObject({
      open_id: ids.openId,
      expires_in: 1_296_000,
      re_expires_in: 2_592_000,
      auth_start: '2026-03-01 08:00:00',
    });
    expect(token.body).not.toHaveProperty('user_id');
    const info = await gateway(
      signed({
        ...common(alipay.appId, 'alipay.user.info.share'),
        auth_token: String(token.body.access_token),
      }),
    );
    expect(info.verified).toBe(true);
    expect(info).toMatchObject({
      key: 'alipay_user_info_share_response',
      body: { code: '10000', msg: 'Success', nick_name: '爱丽丝', gender: 'F', open_id: ids.openId },
    });
  });

  it('a legacy app answers the 2088 user_id', async () => {
    const token = await gateway(
      signed({
        ...common(userIdMode.appId, 'alipay.system.oauth.token'),
        grant_type: 'authorization_code',
        code: await authCode(userIdMode.appId),
      }),
    );
    expect(token.body).toMatchObject({ user_id: '2088000000000001' });
    expect(token.body).not.toHaveProperty('open_id');
  });

  it('refuses a bad signature (isv.invalid-signature) and a tampered parameter', async () => {
    const params = signed({
      ...common(alipay.appId, 'alipay.system.oauth.token'),
      grant_type: 'authorization_code',
      code: 'x',
    });
    const tampered = await gateway({ ...params, code: 'y' });
    expect(tampered.key).toBe('error_response');
    expect(tampered.body).toMatchObject({ code: '40002', sub_code: 'isv.invalid-signature' });
    expect(tampered.verified).toBe(true);
    // Signed with the wrong key (the platform's own key is not the app's).
    const { ALIPAY_SANDBOX_PLATFORM_PRIVATE_KEY } = await import('../src/oauth/alipay-keys.js');
    const wrongKey = await gateway(
      signed(
        { ...common(alipay.appId, 'alipay.system.oauth.token'), grant_type: 'authorization_code', code: 'x' },
        ALIPAY_SANDBOX_PLATFORM_PRIVATE_KEY,
      ),
    );
    expect(wrongKey.body).toMatchObject({ sub_code: 'isv.invalid-signature' });
  });

  it('an auth_code works once and expires after 3 minutes (isv.code-invalid); an expired token is aop.auth-token-time-out', async () => {
    const code = await authCode();
    const request = () =>
      signed({
        ...common(alipay.appId, 'alipay.system.oauth.token'),
        grant_type: 'authorization_code',
        code,
      });
    const first = await gateway(request());
    expect(first.key).toBe('alipay_system_oauth_token_response');
    const again = await gateway(request());
    expect(again).toMatchObject({
      key: 'error_response',
      body: { code: '40002', sub_code: 'isv.code-invalid' },
    });
    const late = await authCode();
    clock.advance(3 * 60_000);
    const expired = await gateway(
      signed({
        ...common(alipay.appId, 'alipay.system.oauth.token'),
        grant_type: 'authorization_code',
        code: late,
      }),
    );
    expect(expired.body).toMatchObject({ sub_code: 'isv.code-invalid' });
    clock.advance(15 * 86_400_000);
    const info = await gateway(
      signed({
        ...common(alipay.appId, 'alipay.user.info.share'),
        auth_token: String(first.body.access_token),
      }),
    );
    expect(info.body).toMatchObject({ code: '20001', sub_code: 'aop.auth-token-time-out' });
  });

  it('refresh rotates both tokens; auth_base cannot read user info', async () => {
    const first = await gateway(
      signed({
        ...common(alipay.appId, 'alipay.system.oauth.token'),
        grant_type: 'authorization_code',
        code: await authCode(alipay.appId, 'auth_base'),
      }),
    );
    const refresh = () =>
      gateway(
        signed({
          ...common(alipay.appId, 'alipay.system.oauth.token'),
          grant_type: 'refresh_token',
          refresh_token: String(first.body.refresh_token),
        }),
      );
    const second = await refresh();
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    expect((await refresh()).key).toBe('error_response');
    const info = await gateway(
      signed({
        ...common(alipay.appId, 'alipay.user.info.share'),
        auth_token: String(second.body.access_token),
      }),
    );
    expect(info.body).toMatchObject({ code: '40006' });
  });

  it('quota fault answers a signed error_response', async () => {
    sandbox.faults.set('alipay', { quota: true, times: 1 });
    const limited = await gateway(
      signed({
        ...common(alipay.appId, 'alipay.system.oauth.token'),
        grant_type: 'authorization_code',
        code: 'x',
      }),
    );
    expect(limited).toMatchObject({
      key: 'error_response',
      verified: true,
      body: { code: '20000', sub_code: 'isp.flow-limit' },
    });
  });
});
