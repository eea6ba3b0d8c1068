import { createManualClock, MemoryStore, type TokenCacheEvent } from '@lingpai/auth-core';
import { createSandbox, SANDBOX_OAUTH_DEFAULTS, type Sandbox } from '@lingpai/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DouyinClientToken, LarkAppToken, WeChatAppToken } from '../src/index.js';

const { wechat, lark, douyin } = SANDBOX_OAUTH_DEFAULTS.apps;
const SERVERS = 4;
const HOURS = 10;

/**
 * Several servers (one AppToken each) on one shared store, through many token lifetimes on a fake
 * clock shared with the sandbox: every refresh must be one fetch for the whole fleet, and no server
 * may ever be handed a token the platform has already killed (the "new token kills old" fight).
 */
describe('a fleet of servers through many token lifetimes', () => {
  const clock = createManualClock(Date.UTC(2026, 2, 1, 0, 0, 0));
  let sandbox: Sandbox;
  let url = '';
  beforeAll(async () => {
    sandbox = await createSandbox({ clock });
    url = await sandbox.listen();
  });
  afterAll(() => sandbox.close());

  const run = async (
    servers: { request: (path: string) => Promise<unknown> }[],
    path: string,
    events: TokenCacheEvent[],
  ) => {
    // Every 5 minutes each server makes a call, for HOURS hours.
    for (let minute = 0; minute < HOURS * 60; minute += 5) {
      await Promise.all(servers.map((server) => server.request(path)));
      clock.advance(5 * 60_000);
    }
    // A refresh per lifetime at most (7200 s tokens), never an invalid-token retry.
    expect(events.filter((event) => event.type === 'invalidate')).toEqual([]);
  };

  it('WeChat classic cgi-bin/token: one fetch per lifetime, never a killed token', async () => {
    const store = new MemoryStore({ clock });
    const events: TokenCacheEvent[] = [];
    const servers = Array.from(
      { length: SERVERS },
      () =>
        new WeChatAppToken({
          appId: wechat.mp.appId,
          appSecret: wechat.mp.secret,
          mode: 'classic',
          baseURL: `${url}/wechat`,
          store,
          clock,
          onEvent: (event) => events.push(event),
        }),
    );
    await run(servers, '/cgi-bin/getcallbackip', events);
    const fetches = sandbox.oauth.fetches('wechat', wechat.mp.appId, 'cgi-bin/token');
    expect(fetches).toBeGreaterThanOrEqual(HOURS / 2);
    expect(fetches).toBeLessThanOrEqual(HOURS / 2 + 1);
  });

  it('Lark tenant token and Douyin client_token: the same, one fetch per lifetime', async () => {
    const store = new MemoryStore({ clock });
    const events: TokenCacheEvent[] = [];
    const larks = Array.from(
      { length: SERVERS },
      () =>
        new LarkAppToken({
          appId: lark.default.appId,
          appSecret: lark.default.secret,
          baseURL: `${url}/lark`,
          store,
          clock,
          onEvent: (event) => events.push(event),
        }),
    );
    await run(larks, '/open-apis/bot/v3/info', events);
    const larkFetches = sandbox.oauth.fetches(
      'lark',
      lark.default.appId,
      'auth/v3/tenant_access_token/internal',
    );
    expect(larkFetches).toBeLessThanOrEqual(HOURS / 2 + 1);
    const douyins = Array.from(
      { length: SERVERS },
      () =>
        new DouyinClientToken({
          clientKey: douyin.default.appId,
          clientSecret: douyin.default.secret,
          baseURL: `${url}/douyin`,
          store,
          clock,
          onEvent: (event) => events.push(event),
        }),
    );
    await run(douyins, '/js/getticket/', events);
    expect(sandbox.oauth.fetches('douyin', douyin.default.appId, 'oauth/client_token')).toBeLessThanOrEqual(
      HOURS / 2 + 1,
    );
  });
});
