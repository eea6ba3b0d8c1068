import { describe, expect, it } from 'vitest';
import { createManualClock, isLingpaiError, MemoryStore, StoreFullError } from '../src/index.js';
import { runStoreContract } from './store-contract.js';

runStoreContract('MemoryStore', () => {
  const clock = createManualClock(1_700_000_000_000);
  return {
    store: new MemoryStore({ clock }),
    advance: async (ms) => clock.advance(ms),
  };
});

describe('MemoryStore', () => {
  it('expires exactly at the TTL on its clock', async () => {
    const clock = createManualClock(0);
    const store = new MemoryStore({ clock });
    await store.set('k', 'v', 100);
    clock.advance(99);
    expect(await store.get('k')).toBe('v');
    clock.advance(1);
    expect(await store.get('k')).toBeUndefined();
  });

  it('reports the exact time left in an increment window', async () => {
    const clock = createManualClock(0);
    const store = new MemoryStore({ clock });
    expect(await store.increment('c', 1_000)).toEqual({ count: 1, ttlMs: 1_000 });
    clock.advance(250);
    expect(await store.increment('c', 1_000, 2)).toEqual({ count: 3, ttlMs: 750 });
  });

  it('a flood of new keys cannot evict a live nonce: a full store refuses with STORE_FULL (attack: nonce eviction, then replay)', async () => {
    const store = new MemoryStore({ maxEntries: 100 });
    expect(await store.setIfAbsent('nonce:victim:n1', '1', 600_000)).toBe(true);
    // The attacker signs maxEntries requests of its own; each records a nonce.
    const flood = await Promise.allSettled(
      Array.from({ length: 100 }, (_, index) => store.setIfAbsent(`nonce:attacker:${index}`, '1', 600_000)),
    );
    const refused = flood.filter((result) => result.status === 'rejected');
    expect(refused).toHaveLength(1);
    for (const result of refused) expect(isLingpaiError(result.reason, 'STORE_FULL')).toBe(true);
    // The victim's captured request replays: the nonce is still there, so the replay is refused.
    expect(await store.setIfAbsent('nonce:victim:n1', '1', 600_000)).toBe(false);
    expect(store.size).toBe(100);
  });

  it('a flood cannot wipe a TOTP replay-guard marker (attack: store flood, then the same code again)', async () => {
    // The compare-and-set loop of @lingpai/otp's createReplayGuard (packages/otp/src/replay-guard.ts).
    const store = new MemoryStore({ maxEntries: 50 });
    const accept = async (key: string, step: bigint): Promise<boolean> => {
      for (let round = 0; round < 8; round += 1) {
        const current = await store.get(key);
        if (current !== undefined && BigInt(current) >= step) return false;
        if (await store.compareAndSet(key, current, step.toString(), 90_000)) return true;
      }
      return false;
    };
    expect(await accept('totp:last-step:alice', 57_000_000n)).toBe(true);
    // Other users' markers, counters and locks fill the store.
    for (let index = 0; index < 60; index += 1) {
      const key = `flood:${index}`;
      const kind = index % 4;
      const write =
        kind === 0
          ? store.set(key, '1', 90_000)
          : kind === 1
            ? store.compareAndSet(key, undefined, '1', 90_000)
            : kind === 2
              ? store.increment(key, 90_000)
              : store.tryAcquire(key, 90_000);
      await write.catch((error: unknown) => expect(isLingpaiError(error, 'STORE_FULL')).toBe(true));
    }
    // Alice's code replayed inside its window is refused (a full store refuses; it never accepts).
    const replay = await accept('totp:last-step:alice', 57_000_000n).catch((error: unknown) => error);
    expect(replay).toBe(false);
    expect(await store.get('totp:last-step:alice')).toBe('57000000');
    // A brand-new factor on the full store fails closed: an error, not a pass.
    await expect(accept('totp:last-step:bob', 57_000_000n)).rejects.toSatisfy((error: unknown) =>
      isLingpaiError(error, 'STORE_FULL'),
    );
  });

  it('every write that would add a key to a full store throws StoreFullError and changes nothing', async () => {
    const store = new MemoryStore({ maxEntries: 2 });
    await store.set('a', '1', 10_000);
    await store.set('b', '2', 10_000);
    const isFull = (error: unknown) => error instanceof StoreFullError && error.retryable;
    await expect(store.set('c', '3', 10_000)).rejects.toSatisfy(isFull);
    await expect(store.setIfAbsent('c', '3', 10_000)).rejects.toSatisfy(isFull);
    await expect(store.compareAndSet('c', undefined, '3', 10_000)).rejects.toSatisfy(isFull);
    await expect(store.increment('c', 10_000)).rejects.toSatisfy(isFull);
    await expect(store.tryAcquire('c', 10_000)).rejects.toSatisfy(isFull);
    expect(await store.get('a')).toBe('1');
    expect(await store.get('b')).toBe('2');
    expect(await store.get('c')).toBeUndefined();
    expect(store.size).toBe(2);
  });

  it('keys already present can still be rewritten, counted and deleted when full', async () => {
    const store = new MemoryStore({ maxEntries: 2 });
    await store.set('a', '1', 10_000);
    await store.set('b', '5', 10_000);
    await store.set('a', '1b', 10_000);
    expect(await store.compareAndSet('a', '1b', '1c', 10_000)).toBe(true);
    expect((await store.increment('b', 10_000)).count).toBe(6);
    expect(await store.setIfAbsent('a', 'x', 10_000)).toBe(false);
    expect(await store.delete('a')).toBe(true);
    expect(await store.setIfAbsent('c', '3', 10_000)).toBe(true);
  });

  it('reclaims expired entries before refusing', async () => {
    const clock = createManualClock(0);
    const store = new MemoryStore({ clock, maxEntries: 2 });
    await store.set('long', 'l', 10_000);
    await store.set('short', 's', 10);
    clock.advance(20);
    await store.set('new', 'n', 10_000);
    expect(await store.get('long')).toBe('l');
    expect(await store.get('new')).toBe('n');
    expect(store.size).toBe(2);
  });

  it('stays fast when flooded while full of live entries (regression: a full sweep on every write)', async () => {
    const store = new MemoryStore({ maxEntries: 1_000 });
    for (let index = 0; index < 1_000; index += 1) await store.set(`k${index}`, 'v', 60_000);
    const started = performance.now();
    let refused = 0;
    for (let index = 1_000; index < 21_000; index += 1) {
      await store.set(`k${index}`, 'v', 60_000).catch(() => {
        refused += 1;
      });
    }
    expect(refused).toBe(20_000);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await store.get('k0')).toBe('v');
    expect(store.size).toBe(1_000);
  });

  it('refuses a maxEntries that is not a positive integer, naming the option', () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN]) {
      expect(() => new MemoryStore({ maxEntries })).toThrow(/`maxEntries` must be a positive integer/);
    }
  });

  it('clear removes everything', async () => {
    const store = new MemoryStore();
    await store.set('a', '1', 1_000);
    store.clear();
    expect(store.size).toBe(0);
  });
});
