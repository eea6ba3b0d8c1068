// The store contract every SharedStore implementation must meet (store.ts documents it). Written once
// and run against MemoryStore (memory-store.test.ts) and RedisStore (packages/redis/test/redis-store.test.ts).

import { beforeEach, describe, expect, it } from 'vitest';
import { isLingpaiError, type SharedStore } from '../src/index.js';

export interface StoreHarness {
  store: SharedStore;
  /** Lets `ms` of store time pass (a manual clock moves; a real backend sleeps a little longer). */
  advance(ms: number): Promise<void>;
}

const isInvalidArgument = (error: unknown): boolean => isLingpaiError(error, 'STORE_INVALID_ARGUMENT');
const isInvalidValue = (error: unknown): boolean => isLingpaiError(error, 'STORE_INVALID_VALUE');

export function runStoreContract(name: string, setup: () => StoreHarness | Promise<StoreHarness>): void {
  describe(`store contract: ${name}`, () => {
    let store: SharedStore;
    let advance: (ms: number) => Promise<void>;
    let n = 0;
    // A fresh key per test so a backend shared between tests never leaks state from one to the next.
    const key = (label: string): string => `contract:${label}:${n}`;

    beforeEach(async () => {
      n += 1;
      ({ store, advance } = await setup());
    });

    it('reads undefined for an absent key', async () => {
      expect(await store.get(key('absent'))).toBeUndefined();
    });

    it('stores and reads back values byte for byte (unicode, JSON, 4 KB)', async () => {
      const values = [
        '令牌 ✓ \u0000 "quoted" \\ back',
        JSON.stringify({ a: [1, 'b'] }),
        'x'.repeat(4096),
        ' ',
      ];
      for (const [index, value] of values.entries()) {
        await store.set(key(`bytes${index}`), value, 10_000);
        expect(await store.get(key(`bytes${index}`))).toBe(value);
      }
    });

    it('set replaces the value and the TTL', async () => {
      const k = key('replace');
      await store.set(k, 'one', 60);
      await store.set(k, 'two', 10_000);
      await advance(120);
      expect(await store.get(k)).toBe('two');
    });

    it('expires values after their TTL', async () => {
      const k = key('ttl');
      await store.set(k, 'v', 50);
      expect(await store.get(k)).toBe('v');
      await advance(120);
      expect(await store.get(k)).toBeUndefined();
    });

    it('setIfAbsent writes only when absent (or expired)', async () => {
      const k = key('nx');
      expect(await store.setIfAbsent(k, 'first', 50)).toBe(true);
      expect(await store.setIfAbsent(k, 'second', 10_000)).toBe(false);
      expect(await store.get(k)).toBe('first');
      await advance(120);
      expect(await store.setIfAbsent(k, 'third', 10_000)).toBe(true);
      expect(await store.get(k)).toBe('third');
    });

    it('compareAndSet with expected undefined writes only when absent', async () => {
      const k = key('cas-absent');
      expect(await store.compareAndSet(k, undefined, 'a', 10_000)).toBe(true);
      expect(await store.compareAndSet(k, undefined, 'b', 10_000)).toBe(false);
      expect(await store.get(k)).toBe('a');
    });

    it('compareAndSet writes only over the expected value, and sets the new TTL', async () => {
      const k = key('cas');
      await store.set(k, 'old', 10_000);
      expect(await store.compareAndSet(k, 'other', 'new', 10_000)).toBe(false);
      expect(await store.get(k)).toBe('old');
      expect(await store.compareAndSet(k, 'old', 'new', 50)).toBe(true);
      expect(await store.get(k)).toBe('new');
      await advance(120);
      expect(await store.get(k)).toBeUndefined();
      // An expired value is absent: comparing against it fails.
      expect(await store.compareAndSet(k, 'new', 'newer', 10_000)).toBe(false);
    });

    it('compareAndSet does not treat a prefix or a longer value as equal', async () => {
      const k = key('cas-exact');
      await store.set(k, 'token-1', 10_000);
      expect(await store.compareAndSet(k, 'token-', 'x', 10_000)).toBe(false);
      expect(await store.compareAndSet(k, 'token-10', 'x', 10_000)).toBe(false);
      expect(await store.compareAndDelete(k, 'token-')).toBe(false);
      expect(await store.get(k)).toBe('token-1');
    });

    it('compareAndDelete deletes only the expected value', async () => {
      const k = key('cad');
      expect(await store.compareAndDelete(k, 'v')).toBe(false);
      await store.set(k, 'v', 10_000);
      expect(await store.compareAndDelete(k, 'w')).toBe(false);
      expect(await store.get(k)).toBe('v');
      expect(await store.compareAndDelete(k, 'v')).toBe(true);
      expect(await store.get(k)).toBeUndefined();
    });

    it('delete reports whether a value was there', async () => {
      const k = key('del');
      expect(await store.delete(k)).toBe(false);
      await store.set(k, 'v', 10_000);
      expect(await store.delete(k)).toBe(true);
      expect(await store.get(k)).toBeUndefined();
    });

    it('increment counts in a fixed window: the TTL is set on creation only', async () => {
      const k = key('incr');
      expect(await store.increment(k, 1_000)).toEqual({ count: 1, ttlMs: expect.any(Number) });
      await advance(40);
      const second = await store.increment(k, 1_000, 5);
      expect(second.count).toBe(6);
      // The window did not slide: less than the full TTL is left.
      expect(second.ttlMs).toBeGreaterThan(0);
      expect(second.ttlMs).toBeLessThanOrEqual(960);
    });

    it('increment starts a new window after the old one expires', async () => {
      const k = key('incr-window');
      await store.increment(k, 50, 3);
      await advance(120);
      const fresh = await store.increment(k, 10_000, 2);
      expect(fresh.count).toBe(2);
      expect(fresh.ttlMs).toBeGreaterThan(9_000);
      expect(fresh.ttlMs).toBeLessThanOrEqual(10_000);
    });

    it('increment rejects a value that is not an integer, like INCRBY (regression: MemoryStore returned NaN)', async () => {
      // Redis parses the stored string strictly: no spaces, signs, leading zeros, exponents or fractions.
      const notIntegers = [
        'abc',
        '',
        ' 1',
        '1 ',
        '+1',
        '01',
        '-0',
        '1.0',
        '1e3',
        '0x10',
        '9223372036854775807',
      ];
      for (const [index, value] of notIntegers.entries()) {
        const k = key(`incr-nan${index}`);
        await store.set(k, value, 10_000);
        await expect(store.increment(k, 10_000), JSON.stringify(value)).rejects.toSatisfy(isInvalidValue);
        expect(await store.get(k)).toBe(value);
      }
      const k = key('incr-int');
      await store.set(k, '-5', 10_000);
      expect((await store.increment(k, 10_000, 2)).count).toBe(-3);
      await store.set(k, '0', 10_000);
      expect((await store.increment(k, 10_000)).count).toBe(1);
    });

    it('increment is atomic under concurrency', async () => {
      const k = key('incr-race');
      const results = await Promise.all(Array.from({ length: 100 }, () => store.increment(k, 10_000)));
      const counts = results.map((result) => result.count).sort((a, b) => a - b);
      expect(counts).toEqual(Array.from({ length: 100 }, (_, index) => index + 1));
    });

    it('setIfAbsent has exactly one winner under concurrency', async () => {
      const k = key('nx-race');
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, index) => store.setIfAbsent(k, `v${index}`, 10_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('compareAndSet has exactly one winner among writers that saw the same value', async () => {
      const k = key('cas-race');
      await store.set(k, 'seen', 10_000);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, index) => store.compareAndSet(k, 'seen', `v${index}`, 10_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('tryAcquire gives the lock to one holder until it is released', async () => {
      const k = key('lock');
      const locks = await Promise.all(Array.from({ length: 20 }, () => store.tryAcquire(k, 10_000)));
      const held = locks.filter((lock) => lock !== undefined);
      expect(held).toHaveLength(1);
      const lock = held[0];
      if (lock === undefined) throw new Error('unreachable');
      expect(lock.key).toBe(k);
      expect(lock.token.length).toBeGreaterThanOrEqual(16);
      expect(await store.tryAcquire(k, 10_000)).toBeUndefined();
      expect(await lock.release()).toBe(true);
      expect(await lock.release()).toBe(false);
      expect(await store.tryAcquire(k, 10_000)).toBeDefined();
    });

    it("an expired lock's release never deletes the next holder's lock", async () => {
      const k = key('lock-lease');
      const first = await store.tryAcquire(k, 50);
      await advance(120);
      const second = await store.tryAcquire(k, 10_000);
      expect(first).toBeDefined();
      expect(second).toBeDefined();
      expect(second?.token).not.toBe(first?.token);
      expect(await first?.release()).toBe(false);
      expect(await store.tryAcquire(k, 10_000)).toBeUndefined();
      expect(await second?.release()).toBe(true);
    });

    it('rejects TTLs that are not positive integers and empty keys', async () => {
      const k = key('args');
      for (const ttl of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(store.set(k, 'v', ttl)).rejects.toSatisfy(isInvalidArgument);
        await expect(store.setIfAbsent(k, 'v', ttl)).rejects.toSatisfy(isInvalidArgument);
        await expect(store.compareAndSet(k, undefined, 'v', ttl)).rejects.toSatisfy(isInvalidArgument);
        await expect(store.increment(k, ttl)).rejects.toSatisfy(isInvalidArgument);
        await expect(store.tryAcquire(k, ttl)).rejects.toSatisfy(isInvalidArgument);
      }
      await expect(store.increment(k, 1_000, 1.5)).rejects.toSatisfy(isInvalidArgument);
      await expect(store.get('')).rejects.toSatisfy(isInvalidArgument);
      await expect(store.set('', 'v', 1_000)).rejects.toSatisfy(isInvalidArgument);
      await expect(store.delete('')).rejects.toSatisfy(isInvalidArgument);
      await expect(store.compareAndDelete('', 'v')).rejects.toSatisfy(isInvalidArgument);
      expect(await store.get(k)).toBeUndefined();
    });
  });
}
