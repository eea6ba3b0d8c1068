import { createManualClock, MemoryStore, type TokenCacheEvent } from '@lingpai/auth-core';
import { createSandbox, SANDBOX_OAUTH_DEFAULTS, type Sandbox } from '@lingpai/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DingTalkAppToken,
  DouyinClientToken,
  LarkAppToken,
  OAuthError,
  WeChatAppToken,
  WeComAppToken,
} from '../src/index.js';

const { wechat, lark, dingtalk, wecom, douyin } = SANDBOX_OAUTH_DEFAULTS.apps;

describe('app-level tokens against the sandbox', () => {
  // One clock for the sandbox and the clients: token lifetimes move without waiting.
  const clock = createManualClock(Date.UTC(2026, 0, 5, 2, 0, 0));
  let sandbox: Sandbox;
  let url = '';
  beforeAll(async () => {
    sandbox = await createSandbox({ clock });
    url = await sandbox.listen();
  });
  afterAll(() => sandbox.close());

  it('WeChat stable_token: cached, used by request(), replaced once when WeChat revokes it', async () => {
    const events: TokenCacheEvent[] = [];
    const appToken = new WeChatAppToken({
      appId: wechat.mp.appId,
      appSecret: wechat.mp.secret,
      baseURL: `${url}/wechat`,
      clock,
      onEvent: (event) => events.push(event),
    });
    const body = await appToken.request<{ ip_list: string[] }>('/cgi-bin/getcallbackip');
    expect(body.ip_list.length).toBeGreaterThan(0);
    const first = await appToken.get();
    await appToken.request('/cgi-bin/get_api_domain_ip');
    expect(sandbox.oauth.fetches('wechat', wechat.mp.appId, 'cgi-bin/stable_token')).toBe(1);
    sandbox.oauth.invalidateToken(first);
    await appToken.request('/cgi-bin/getcallbackip');
    expect(await appToken.get()).not.toBe(first);
    expect(sandbox.oauth.fetches('wechat', wechat.mp.appId, 'cgi-bin/stable_token')).toBe(2);
    expect(events.filter((event) => event.type === 'invalidate')).toHaveLength(1);
  });

  it('a wrong secret is OAUTH_CONFIG_ERROR, never cached, and never retried in a loop', async () => {
    const appToken = new WeChatAppToken({
      appId: wechat.mini.appId,
      appSecret: 'wrong',
      baseURL: `${url}/wechat`,
      clock,
    });
    await expect(appToken.get()).rejects.toMatchObject({ code: 'OAUTH_CONFIG_ERROR', platformCode: '40125' });
    await expect(appToken.get()).rejects.toBeInstanceOf(OAuthError);
    expect(sandbox.oauth.fetches('wechat', wechat.mini.appId, 'cgi-bin/stable_token')).toBe(2);
  });

  it('cache keys carry the app id and a fingerprint of the secret, never the secret', async () => {
    const store = new MemoryStore({ clock });
    const prod = new WeChatAppToken({
      appId: wechat.default.appId,
      appSecret: wechat.default.secret,
      baseURL: `${url}/wechat`,
      store,
      clock,
    });
    const test = new WeChatAppToken({
      appId: wechat.default.appId,
      appSecret: 'a-test-environment-secret',
      baseURL: `${url}/wechat`,
      store,
      clock,
    });
    const classic = new WeChatAppToken({
      appId: wechat.default.appId,
      appSecret: wechat.default.secret,
      mode: 'classic',
      baseURL: `${url}/wechat`,
      store,
      clock,
    });
    expect(prod.key).toContain(wechat.default.appId);
    expect(prod.key).not.toContain(wechat.default.secret);
    expect(new Set([prod.key, test.key, classic.key]).size).toBe(3);
    await prod.get();
    // The "test" app cannot be served production's cached token: it must fetch (and is refused).
    await expect(test.get()).rejects.toMatchObject({ code: 'OAUTH_CONFIG_ERROR' });
  });

  it('force_refresh is limited locally: 30 s apart and 20 a day, without calling WeChat', async () => {
    const appToken = new WeChatAppToken({
      appId: wechat.default.appId,
      appSecret: wechat.default.secret,
      baseURL: `${url}/wechat`,
      clock,
    });
    const before = await appToken.get();
    const forced = await appToken.forceRefresh();
    expect(forced).not.toBe(before);
    expect(await appToken.get()).toBe(forced);
    const calls = sandbox.oauth.fetches('wechat', wechat.default.appId, 'cgi-bin/stable_token');
    await expect(appToken.forceRefresh()).rejects.toMatchObject({
      code: 'OAUTH_RATE_LIMITED',
      platformCode: 'local-force-refresh-spacing',
    });
    expect(sandbox.oauth.fetches('wechat', wechat.default.appId, 'cgi-bin/stable_token')).toBe(calls);
    for (let index = 1; index < 20; index += 1) {
      clock.advance(31_000);
      await appToken.forceRefresh();
    }
    clock.advance(31_000);
    await expect(appToken.forceRefresh()).rejects.toMatchObject({
      code: 'OAUTH_RATE_LIMITED',
      platformCode: 'local-force-refresh-daily',
      retryable: false,
    });
    // The daily budget is a Beijing calendar day.
    clock.advance(24 * 3_600_000);
    await expect(appToken.forceRefresh()).resolves.toMatch(/.+/);
    const classic = new WeChatAppToken({
      appId: wechat.default.appId,
      appSecret: wechat.default.secret,
      mode: 'classic',
      baseURL: `${url}/wechat`,
      clock,
    });
    await expect(classic.forceRefresh()).rejects.toMatchObject({ code: 'OAUTH_UNSUPPORTED' });
  });

  it('force_refresh budget keys live under keyPrefix, like the token', async () => {
    // Regression: the counters ignored keyPrefix, so two namespaces on one store shared one budget.
    const store = new MemoryStore({ clock });
    const make = (keyPrefix: string) =>
      new WeChatAppToken({
        appId: wechat.default.appId,
        appSecret: wechat.default.secret,
        baseURL: `${url}/wechat`,
        store,
        keyPrefix,
        clock,
      });
    const staging = make('staging:');
    clock.advance(31_000);
    await staging.forceRefresh();
    expect(await store.get(`staging:${staging.key}:force:spacing`)).toBeDefined();
    expect(await store.get(`${staging.key}:force:spacing`)).toBeUndefined();
  });

  it('Lark tenant token: the same token is reused, a new one fetched near expiry, 99991663 retried once', async () => {
    const appToken = new LarkAppToken({
      appId: lark.default.appId,
      appSecret: lark.default.secret,
      baseURL: `${url}/lark`,
      clock,
    });
    const first = await appToken.get();
    expect(first).toMatch(/^t-/);
    const info = await appToken.request<{ code: number }>('/open-apis/bot/v3/info');
    expect(info.code).toBe(0);
    clock.advance(2 * 3_600_000);
    const second = await appToken.get();
    expect(second).not.toBe(first);
    sandbox.oauth.invalidateToken(second);
    await appToken.request('/open-apis/bot/v3/info');
    expect(await appToken.get()).not.toBe(second);
    const appKind = new LarkAppToken({
      appId: lark.default.appId,
      appSecret: lark.default.secret,
      kind: 'app',
      baseURL: `${url}/lark`,
      clock,
    });
    expect(appKind.key).not.toBe(appToken.key);
    expect(await appKind.get()).toMatch(/.+/);
  });

  it('DingTalk app token: 401 InvalidAuthentication is "token invalid"', async () => {
    const appToken = new DingTalkAppToken({
      appKey: dingtalk.default.appId,
      appSecret: dingtalk.default.secret,
      baseURL: `${url}/dingtalk`,
      clock,
    });
    const first = await appToken.get();
    sandbox.oauth.invalidateToken(first);
    const sent = await appToken.request<{ processQueryKey: string }>('/v1.0/robot/oToMessages/batchSend', {
      method: 'POST',
      json: { robotCode: 'r', userIds: ['u'], msgKey: 'sampleText', msgParam: '{}' },
    });
    expect(sent.processQueryKey).toMatch(/.+/);
    expect(await appToken.get()).not.toBe(first);
    const wrong = new DingTalkAppToken({
      appKey: dingtalk.default.appId,
      appSecret: 'x',
      baseURL: `${url}/dingtalk`,
      clock,
    });
    await expect(wrong.get()).rejects.toMatchObject({ code: 'OAUTH_CONFIG_ERROR' });
  });

  it('WeCom corp token and Douyin client_token go through request() with one retry', async () => {
    const corp = new WeComAppToken({
      corpId: wecom.default.appId,
      corpSecret: wecom.default.secret,
      baseURL: `${url}/wecom`,
      clock,
    });
    const token = await corp.get();
    sandbox.oauth.invalidateToken(token);
    const ips = await corp.request<{ ip_list: string[] }>('/cgi-bin/getcallbackip');
    expect(ips.ip_list.length).toBeGreaterThan(0);
    const client = new DouyinClientToken({
      clientKey: douyin.default.appId,
      clientSecret: douyin.default.secret,
      baseURL: `${url}/douyin`,
      clock,
    });
    const clientToken = await client.get();
    sandbox.oauth.invalidateToken(clientToken);
    const ticket = await client.request<{ data: { ticket?: string } }>('/js/getticket/');
    expect(ticket.data).toBeDefined();
    expect(await client.get()).not.toBe(clientToken);
  });
});
