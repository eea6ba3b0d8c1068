import { describe, expect, it } from 'vitest';
import { createManualClock, MemoryStore } from '../src/index.js';
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

  it('evicts the oldest-inserted entry when full, never a rewritten one', async () => {
    const store = new MemoryStore({ maxEntries: 3 });
    await store.set('a', '1', 10_000);
    await store.set('b', '2', 10_000);
    await store.set('c', '3', 10_000);
    await store.set('a', '1b', 10_000); // rewriting moves "a" to the newest position
    await store.set('d', '4', 10_000);
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBe('1b');
    expect(store.size).toBe(3);
  });

  it('drops expired entries before evicting live ones', async () => {
    const clock = createManualClock(0);
    const store = new MemoryStore({ clock, maxEntries: 2 });
    await store.set('short', 's', 10);
    await store.set('long', 'l', 10_000);
    clock.advance(20);
    await store.set('new', 'n', 10_000);
    expect(await store.get('long')).toBe('l');
    expect(await store.get('new')).toBe('n');
    expect(store.size).toBe(2);
  });

  it('stays bounded when full of live entries (regression: a full sweep on every write)', async () => {
    const store = new MemoryStore({ maxEntries: 1_000 });
    for (let index = 0; index < 5_000; index += 1) await store.set(`k${index}`, 'v', 60_000);
    expect(store.size).toBe(1_000);
    expect(await store.get('k4999')).toBe('v');
    expect(await store.get('k3999')).toBeUndefined();
  });

  it('clear removes everything', async () => {
    const store = new MemoryStore();
    await store.set('a', '1', 1_000);
    store.clear();
    expect(store.size).toBe(0);
  });
});
