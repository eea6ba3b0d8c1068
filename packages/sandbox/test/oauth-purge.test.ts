import { createManualClock } from '@lingpai/auth-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { SANDBOX_OAUTH_DEFAULTS } from '../src/oauth/index.js';
import { json } from './oauth-walk.js';

const mp = SANDBOX_OAUTH_DEFAULTS.apps.wechat.mp;
const mini = SANDBOX_OAUTH_DEFAULTS.apps.wechat.mini;
const HOUR = 3_600_000;
/** WeChat app tokens live 7200 s; the sandbox keeps dead records 24 h of sandbox time. */
const TOKEN_TTL = 2 * HOUR;
const GRACE = 24 * HOUR;

const clock = createManualClock(Date.UTC(2026, 2, 1));
let sandbox: Sandbox;

beforeEach(async () => {
  clock.set(Date.UTC(2026, 2, 1));
  sandbox = await createSandbox({ clock });
});
afterEach(() => sandbox.close());

async function cgiToken(): Promise<string> {
  const response = await sandbox.app.inject({
    method: 'GET',
    url: `/wechat/cgi-bin/token?grant_type=client_credential&appid=${mp.appId}&secret=${mp.secret}`,
  });
  const token = json(response).access_token;
  expect(typeof token).toBe('string');
  return String(token);
}

async function callbackIpErrcode(token: string): Promise<unknown> {
  const response = await sandbox.app.inject({
    method: 'GET',
    url: `/wechat/cgi-bin/getcallbackip?access_token=${encodeURIComponent(token)}`,
  });
  return json(response).errcode;
}

async function jscodeErrcode(code: string): Promise<unknown> {
  const response = await sandbox.app.inject({
    method: 'GET',
    url: `/wechat/sns/jscode2session?appid=${mini.appId}&secret=${mini.secret}&grant_type=authorization_code&js_code=${code}`,
  });
  return json(response).errcode;
}

describe('OAuth sandbox purges dead codes and tokens', () => {
  it('keeps an expired token answering "expired" for the grace period, then forgets it', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 300; i += 1) codes.push(sandbox.oauth.wechatJsCode(mini.appId, 'alice'));
    let last = '';
    for (let i = 0; i < 300; i += 1) last = await cgiToken();
    const used = codes[0] ?? '';
    expect(await jscodeErrcode(used)).toBeUndefined();
    const before = sandbox.oauth.sizes();
    expect(before.codes).toBeGreaterThanOrEqual(300);
    expect(before.tokens).toBeGreaterThanOrEqual(300);

    // Past expiry, inside the grace: the platform's "expired" / "used" answers, even after a sweep.
    clock.advance(TOKEN_TTL + 60_000);
    await cgiToken();
    expect(await callbackIpErrcode(last)).toBe(42001);
    expect(await jscodeErrcode(used)).toBe(40163);
    clock.advance(GRACE - 2 * 60_000);
    await cgiToken();
    expect(await callbackIpErrcode(last)).toBe(42001);

    // Past expiry + grace, and an hour since the last sweep: the next issue sweeps; the token is now
    // unknown (40001), the code invalid. Left: the two tokens issued above (in their grace) and the new one.
    clock.advance(62 * 60_000);
    const fresh = await cgiToken();
    expect(sandbox.oauth.sizes()).toEqual({ codes: 0, tokens: 3 });
    expect(await callbackIpErrcode(last)).toBe(40001);
    expect(await callbackIpErrcode(fresh)).toBeUndefined();
    expect(await jscodeErrcode(used)).toBe(40029);
  });

  it('sweeps by count too, between the hourly time-triggered sweeps', async () => {
    for (let i = 0; i < 50; i += 1) await cgiToken();
    // A time-triggered sweep just before the newest of the 50 may go (expiry + grace = 26 h).
    clock.advance(TOKEN_TTL + GRACE - 10 * 60_000);
    await cgiToken();
    expect(sandbox.oauth.sizes().tokens).toBe(2);
    // 20 minutes on, no hourly sweep is due: only the issue count can purge the newest of the 50.
    clock.advance(20 * 60_000);
    for (let i = 0; i < 600; i += 1) sandbox.oauth.wechatJsCode(mini.appId, 'alice');
    expect(sandbox.oauth.sizes()).toEqual({ codes: 600, tokens: 1 });
  });
});
