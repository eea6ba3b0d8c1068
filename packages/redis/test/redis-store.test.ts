import { isLingpaiError, StoreUnavailableError } from '@lingpai/auth-core';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithRedis } from '../../../test-support/services.js';
import { runStoreContract } from '../../auth-core/test/store-contract.js';
import {
  createRedisClient,
  defineRedisScript,
  RedisCommandError,
  RedisCommandRunner,
  RedisConfigError,
  RedisStore,
  toStoreError,
} from '../src/index.js';
import { deleteKeys, uniquePrefix } from './support/redis-test-keys.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const isUnavailable = (error: unknown) => isLingpaiError(error, 'STORE_UNAVAILABLE');

/** Retries `check` until it passes: the client reconnects on its own schedule. */
async function eventually<T>(check: () => Promise<T>, tries = 100, pauseMs = 50): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await check();
    } catch (error) {
      if (attempt >= tries) throw error;
      await sleep(pauseMs);
    }
  }
}

describeWithRedis('RedisStore', (url) => {
  const prefix = uniquePrefix('store');
  let admin: Redis;
  let store: RedisStore;

  beforeAll(() => {
    admin = new Redis(url);
    store = new RedisStore({ url, keyPrefix: prefix });
  });

  afterAll(async () => {
    await deleteKeys(admin, prefix);
    await store.close();
    admin.disconnect();
  });

  runStoreContract('RedisStore', () => ({
    store,
    // Real time: wait a little past the TTL so Redis has certainly expired the key.
    advance: (ms) => sleep(ms + 30),
  }));

  it('puts every key under the prefix', async () => {
    await store.set('plain', 'v', 10_000);
    expect(await admin.get(`${prefix}plain`)).toBe('v');
    expect(await admin.pttl(`${prefix}plain`)).toBeGreaterThan(9_000);
    expect(await admin.get('plain')).toBeNull();
  });

  it('works on a client passed in, and leaves it open on close', async () => {
    const client = new Redis(url);
    const borrowed = new RedisStore({ client, keyPrefix: prefix });
    await borrowed.set('borrowed', 'yes', 10_000);
    expect(await store.get('borrowed')).toBe('yes');
    await borrowed.close();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });

  it('requires exactly one of client or url', () => {
    expect(() => new RedisStore({})).toThrow(RedisConfigError);
    const client = new Redis(url, { lazyConnect: true });
    expect(() => new RedisStore({ client, url })).toThrow(RedisConfigError);
    client.disconnect();
  });

  it('maps an error reply to REDIS_COMMAND_FAILED, not STORE_UNAVAILABLE', async () => {
    await admin.lpush(`${prefix}a-list`, 'x');
    const error = await store.get('a-list').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RedisCommandError);
    expect(error).toMatchObject({ code: 'REDIS_COMMAND_FAILED', retryable: false });
    expect((error as Error).message).toMatch(/WRONGTYPE/);
  });

  it('maps transient error replies to STORE_UNAVAILABLE', () => {
    const loading = Object.assign(new Error('LOADING Redis is loading the dataset in memory'), {
      name: 'ReplyError',
    });
    expect(toStoreError(loading, 'GET')).toBeInstanceOf(StoreUnavailableError);
    expect(toStoreError(new Error('Connection is closed.'), 'GET')).toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
  });

  describe('RedisCommandRunner (for other Redis adapters)', () => {
    it('runs a custom Lua script by SHA, with prefixed keys', async () => {
      const runner = new RedisCommandRunner(store.client, { keyPrefix: prefix });
      const swap = defineRedisScript(
        'lingpai_test_getset_len',
        1,
        "local old = redis.call('GET', KEYS[1]); redis.call('SET', KEYS[1], ARGV[1]); return {old or '', KEYS[1]}",
      );
      await runner.script(swap, ['scripted'], ['one']);
      expect(await runner.script(swap, ['scripted'], ['two'])).toEqual(['one', `${prefix}scripted`]);
      await expect(runner.script(swap, [], ['x'])).rejects.toThrow(TypeError);
      const clash = defineRedisScript('lingpai_test_getset_len', 1, 'return 1');
      await expect(runner.script(clash, ['k'], [])).rejects.toThrow(/already defined/);
    });

    it('reports a script name clash as a TypeError, not a retryable STORE_UNAVAILABLE (regression)', async () => {
      const runner = new RedisCommandRunner(store.client, { keyPrefix: prefix });
      await runner.script(defineRedisScript('lingpai_test_clash', 1, 'return 1'), ['k'], []);
      const error = await runner
        .script(defineRedisScript('lingpai_test_clash', 1, 'return 2'), ['k'], [])
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TypeError);
      expect(isUnavailable(error)).toBe(false);
    });

    it('rejects script names ioredis cannot define', () => {
      expect(() => defineRedisScript('bad-name', 1, 'return 1')).toThrow(TypeError);
      expect(() => defineRedisScript('ok', -1, 'return 1')).toThrow(TypeError);
    });
  });
});

describeWithRedis('RedisStore when Redis is unreachable', (url) => {
  const target = new URL(url);
  const prefix = uniquePrefix('outage');
  let proxy: TcpProxy;
  let admin: Redis;

  beforeAll(async () => {
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    admin = new Redis(url);
  });

  afterAll(async () => {
    await deleteKeys(admin, prefix);
    await proxy.close();
    admin.disconnect();
  });

  it('fails with STORE_UNAVAILABLE when nothing listens on the port', async () => {
    const closed = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const port = closed.port;
    await closed.close();
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: prefix });
    try {
      for (const call of [
        () => store.get('k'),
        () => store.set('k', 'v', 1_000),
        () => store.compareAndSet('k', 'a', 'b', 1_000),
        () => store.increment('k', 1_000),
        () => store.tryAcquire('lock', 1_000),
      ]) {
        const error = await call().catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
      }
    } finally {
      await store.close();
    }
  });

  it('fails while Redis is gone, then recovers by itself when it returns', async () => {
    const store = new RedisStore({ url: proxy.url, keyPrefix: prefix });
    try {
      await store.set('survivor', 'v', 60_000);
      await proxy.down();
      await expect(store.get('survivor')).rejects.toSatisfy(isUnavailable);
      await expect(store.get('survivor')).rejects.toSatisfy(isUnavailable);
      await proxy.up();
      expect(await eventually(() => store.get('survivor'))).toBe('v');
    } finally {
      await proxy.up();
      await store.close();
    }
  });

  it('gives up on a server that accepts connections but never answers', async () => {
    const store = new RedisStore({
      url: proxy.url,
      keyPrefix: prefix,
      clientOptions: { commandTimeoutMs: 200 },
    });
    try {
      await store.set('k', 'v', 60_000);
      proxy.hang();
      await expect(store.get('k')).rejects.toSatisfy(isUnavailable);
      await proxy.up();
      await proxy.down();
      await proxy.up();
      expect(await eventually(() => store.get('k'))).toBe('v');
    } finally {
      await proxy.up();
      await store.close();
    }
  });

  it('bounds calls in time even on a client configured with no timeouts at all', async () => {
    const client = new Redis(proxy.url, { maxRetriesPerRequest: null, enableOfflineQueue: true });
    client.on('error', () => undefined);
    const store = new RedisStore({ client, keyPrefix: prefix, timeoutMs: 200 });
    try {
      await store.set('k2', 'v', 60_000);
      proxy.hang();
      await expect(store.get('k2')).rejects.toSatisfy(isUnavailable);
    } finally {
      await proxy.up();
      await proxy.down();
      await proxy.up();
      client.disconnect();
    }
  });

  it('bounds calls on a Cluster that is not ready (regression: its offline queue has no commandTimeout)', async () => {
    const closed = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const port = closed.port;
    await closed.close();
    // commandTimeout applies per node; commands queued by the Cluster itself wait for it to be ready.
    const cluster = new Cluster([{ host: '127.0.0.1', port }], {
      redisOptions: { commandTimeout: 100 },
      clusterRetryStrategy: () => 100,
    });
    cluster.on('error', () => undefined);
    const store = new RedisStore({ client: cluster, keyPrefix: prefix, timeoutMs: 300 });
    try {
      await expect(store.get('k')).rejects.toSatisfy(isUnavailable);
    } finally {
      cluster.disconnect();
    }
  });

  it('createRedisClient keeps reconnecting (no retry limit)', async () => {
    const client = createRedisClient(proxy.url);
    try {
      expect(await client.ping()).toBe('PONG');
      await proxy.down();
      await sleep(300);
      await proxy.up();
      expect(await eventually(() => client.ping())).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });
});
