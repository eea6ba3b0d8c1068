// A full Redis under `maxmemory-policy noeviction` refuses writes with an OOM reply. The store
// contract (auth-core store.ts) calls that STORE_FULL, so a nonce or replay guard on RedisStore
// refuses the same way it does on a full MemoryStore. The reply is faked: making the shared test
// Redis run out of memory would disturb every other suite using it.
import { isLingpaiError, StoreFullError } from '@lingpai/auth-core';
import { Redis, ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';

describe('RedisStore on a full Redis', () => {
  it('turns the OOM reply of a write into StoreFullError (STORE_FULL), never a pass', async () => {
    const client = new Redis({ lazyConnect: true, commandTimeout: 500 });
    const oom = new ReplyError("OOM command not allowed when used memory > 'maxmemory'.");
    client.set = (() => Promise.reject(oom)) as unknown as Redis['set'];
    const store = new RedisStore({ client });
    const isFull = (error: unknown) =>
      error instanceof StoreFullError && isLingpaiError(error, 'STORE_FULL') && error.cause === oom;
    await expect(store.set('k', 'v', 1_000)).rejects.toSatisfy(isFull);
    await expect(store.setIfAbsent('k', 'v', 1_000)).rejects.toSatisfy(isFull);
    await expect(store.compareAndSet('k', undefined, 'v', 1_000)).rejects.toSatisfy(isFull);
    await expect(store.tryAcquire('k', 1_000)).rejects.toSatisfy(isFull);
    client.disconnect();
  });

  it('leaves other error replies as REDIS_COMMAND_FAILED', async () => {
    const client = new Redis({ lazyConnect: true, commandTimeout: 500 });
    client.set = (() =>
      Promise.reject(
        new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'),
      )) as unknown as Redis['set'];
    const store = new RedisStore({ client });
    await expect(store.setIfAbsent('k', 'v', 1_000)).rejects.toSatisfy((error: unknown) =>
      isLingpaiError(error, 'REDIS_COMMAND_FAILED'),
    );
    client.disconnect();
  });
});
