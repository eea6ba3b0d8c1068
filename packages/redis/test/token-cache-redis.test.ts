import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createManualClock, isLingpaiError, TokenCache, type TokenCacheEvent } from '@lingpai/auth-core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithRedis } from '../../../test-support/services.js';
import { RedisStore } from '../src/index.js';
import { deleteKeys, uniquePrefix } from './support/redis-test-keys.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The "platform": a node:http token endpoint that counts every request (upstream quota use). */
async function startTokenEndpoint(delayMs: number) {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const token = `platform-token-${requests.length}`;
    setTimeout(() => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ token, expiresIn: 7_200 }));
    }, delayMs);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    requests,
    url: `http://127.0.0.1:${port}/token`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface ChildReport {
  tokens: Record<string, number>;
  errors: string[];
  counts: Partial<Record<TokenCacheEvent['type'], number>>;
}

function spawnChild(env: Record<string, string>): {
  child: ChildProcess;
  ready: Promise<void>;
  report: Promise<ChildReport>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', `${fixtures}token-cache-child.ts`], {
    cwd: repoRoot,
    env: { ...process.env, ...env, TSX_TSCONFIG_PATH: `${fixtures}tsconfig.json` },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('ready\n')) markReady();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const report = new Promise<ChildReport>((resolve, reject) => {
    child.on('exit', (code) => {
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('{'));
      if (code !== 0 || line === undefined) reject(new Error(`child exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(line) as ChildReport);
    });
  });
  return { child, ready, report };
}

describeWithRedis('TokenCache on RedisStore', (url) => {
  const prefix = uniquePrefix('token-cache');
  let admin: Redis;

  beforeAll(() => {
    admin = new Redis(url);
  });

  afterAll(async () => {
    await deleteKeys(admin, prefix);
    admin.disconnect();
  });

  it('4 processes x 500 concurrent get() on an expired token make exactly one upstream fetch', async () => {
    const endpoint = await startTokenEndpoint(100);
    const key = 'wechat:stable:wx-multi:5f2c';
    // Seed an entry that is in Redis but already expired: written by a cache whose clock is 2 h behind.
    const seeder = new RedisStore({ url, keyPrefix: prefix });
    const past = createManualClock(Date.now() - 2 * 3_600_000);
    await new TokenCache({
      key,
      store: seeder,
      clock: past,
      fetchToken: async () => ({ token: 'expired-token', expiresIn: 3_600 }),
    }).get();
    const seeded = JSON.parse((await seeder.get(`lingpai:token:${key}`)) ?? '{}') as { expiresAt: number };
    expect(seeded.expiresAt).toBeLessThan(Date.now());
    await seeder.close();

    const children = Array.from({ length: 4 }, () =>
      spawnChild({
        REDIS_URL: url,
        KEY_PREFIX: prefix,
        TOKEN_KEY: key,
        FETCH_URL: endpoint.url,
        CONCURRENCY: '500',
      }),
    );
    try {
      await Promise.all(children.map((entry) => entry.ready));
      for (const { child } of children) child.stdin?.write('go\n');
      const reports = await Promise.all(children.map((entry) => entry.report));

      expect(endpoint.requests).toHaveLength(1);
      expect(endpoint.requests[0]).toMatch(/reason=expired/);
      for (const report of reports) {
        expect(report.errors).toEqual([]);
        expect(report.tokens).toEqual({ 'platform-token-1': 500 });
      }
      const fetchEvents = reports.reduce((sum, report) => sum + (report.counts.fetch ?? 0), 0);
      expect(fetchEvents).toBe(1);
    } finally {
      for (const { child } of children) child.kill();
      await endpoint.close();
    }
  }, 60_000);

  it('a slow fetch that finishes after a newer token was stored never overwrites it', async () => {
    const store = new RedisStore({ url, keyPrefix: prefix });
    const key = 'douyin:client:slow:9a1e';
    let releaseSlow: (value: { token: string; expiresIn: number }) => void = () => undefined;
    const slowEvents: TokenCacheEvent[] = [];
    const slow = new TokenCache({
      key,
      store,
      lockTtlMs: 100,
      onEvent: (event) => slowEvents.push(event),
      fetchToken: () =>
        new Promise((resolve) => {
          releaseSlow = resolve;
        }),
    });
    const fast = new TokenCache({
      key,
      store,
      fetchToken: async () => ({ token: 'newer', expiresIn: 7_200 }),
    });
    try {
      const slowGet = slow.get();
      await sleep(250); // the slow holder's 100 ms lease runs out while its fetch hangs
      expect(await fast.get()).toBe('newer');
      releaseSlow({ token: 'older', expiresIn: 7_200 });
      expect(await slowGet).toBe('newer');
      const stored = JSON.parse((await store.get(slow.storeKey)) ?? '{}') as { token?: string };
      expect(stored.token).toBe('newer');
      expect(slowEvents).toContainEqual({ type: 'conflict', key });
      // The slow holder's release did not delete a lock it no longer owns.
      expect(await admin.exists(`${prefix}${slow.lockKey}`)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('invalidation in one process is seen by another after maxLocalAgeMs, without a second fetch', async () => {
    const endpointCalls: string[] = [];
    const fetchToken = async () => {
      endpointCalls.push('call');
      return { token: `t${endpointCalls.length}`, expiresIn: 7_200 };
    };
    const storeA = new RedisStore({ url, keyPrefix: prefix });
    const storeB = new RedisStore({ url, keyPrefix: prefix });
    const key = 'lark:tenant:cli_x:77';
    const a = new TokenCache({ key, store: storeA, fetchToken, maxLocalAgeMs: 50 });
    const b = new TokenCache({ key, store: storeB, fetchToken, maxLocalAgeMs: 50 });
    try {
      expect(await a.get()).toBe('t1');
      expect(await b.get()).toBe('t1');
      expect(await b.invalidate('t1')).toBe(true);
      expect(await b.get()).toBe('t2');
      await sleep(80);
      expect(await a.get()).toBe('t2');
      expect(endpointCalls).toHaveLength(2);
    } finally {
      await storeA.close();
      await storeB.close();
    }
  });

  describe('when Redis goes away mid-run', () => {
    let proxy: TcpProxy;
    beforeAll(async () => {
      const target = new URL(url);
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    });
    afterAll(() => proxy.close());

    it('serves the valid token, fails typed once it expires, and recovers when Redis returns', async () => {
      const store = new RedisStore({
        url: proxy.url,
        keyPrefix: prefix,
        clientOptions: { commandTimeoutMs: 300 },
      });
      const clock = createManualClock(Date.now());
      let n = 0;
      const events: TokenCacheEvent[] = [];
      const cache = new TokenCache({
        key: 'wecom:corp:outage:1',
        store,
        clock,
        maxLocalAgeMs: 1_000,
        onEvent: (event) => events.push(event),
        fetchToken: async () => {
          n += 1;
          return { token: `w${n}`, expiresIn: 7_200 };
        },
      });
      try {
        expect(await cache.get()).toBe('w1');
        await proxy.down();
        clock.advance(5_000); // past maxLocalAgeMs: the cache tries the store, which is gone
        expect(await cache.get()).toBe('w1');
        expect(events).toContainEqual(
          expect.objectContaining({ type: 'error', stage: 'store-read', served: 'stale' }),
        );

        clock.advance(7_200_000); // expired: nothing valid to serve
        const error = await cache.get().catch((caught: unknown) => caught);
        expect(isLingpaiError(error, 'STORE_UNAVAILABLE')).toBe(true);
        expect(n).toBe(1); // no blind upstream fetch while the shared store is unreachable

        await proxy.up();
        let token: string | undefined;
        for (let attempt = 0; attempt < 100 && token === undefined; attempt += 1) {
          token = await cache.get().catch(async () => {
            await sleep(50);
            return undefined;
          });
        }
        expect(token).toBe('w2');
      } finally {
        await proxy.up();
        await store.close();
      }
    });
  });
});
