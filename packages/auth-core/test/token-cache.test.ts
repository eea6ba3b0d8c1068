import { describe, expect, it, vi } from 'vitest';
import {
  ConfigError,
  createManualClock,
  isLingpaiError,
  type KeyValueStore,
  LingpaiError,
  type LockStore,
  type ManualClock,
  MemoryStore,
  StoreUnavailableError,
  TokenCache,
  TokenCacheError,
  type TokenCacheEvent,
  type TokenCacheOptions,
  type TokenFetchContext,
} from '../src/index.js';

const T0 = 1_700_000_000_000;
const HOUR_S = 7_200;

/** An upstream that hands out tok-1, tok-2, ... and records every call. */
function upstream(expiresIn = HOUR_S) {
  const calls: TokenFetchContext[] = [];
  return {
    calls,
    fetchToken: async (context: TokenFetchContext) => {
      calls.push(context);
      return { token: `tok-${calls.length}`, expiresIn };
    },
  };
}

/** A fetch that stays pending until the test resolves it. */
function gatedUpstream() {
  const calls: TokenFetchContext[] = [];
  const gates: Array<(value: { token: string; expiresIn: number }) => void> = [];
  return {
    calls,
    release: (index: number, token: string, expiresIn = HOUR_S) => gates[index]?.({ token, expiresIn }),
    fetchToken: (context: TokenFetchContext) => {
      calls.push(context);
      return new Promise<{ token: string; expiresIn: number }>((resolve) => gates.push(resolve));
    },
  };
}

/** Lets pending promise callbacks (and zero-delay timers) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

function makeCache(
  overrides: Partial<TokenCacheOptions> & Pick<TokenCacheOptions, 'fetchToken'>,
  clock?: ManualClock,
) {
  const events: TokenCacheEvent[] = [];
  const cache = new TokenCache({
    key: 'wechat:stable:wx1:hash',
    clock: clock ?? createManualClock(T0),
    refreshJitterMs: 0,
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
    onEvent: (event) => events.push(event),
    ...overrides,
  });
  return { cache, events };
}

/** A KeyValueStore in front of a MemoryStore that can be switched off, as an unreachable backend. */
class FlakyStore implements KeyValueStore {
  down = false;
  failWrites = false;
  #gate: Promise<void> | undefined;
  constructor(readonly inner: MemoryStore) {}
  /** The next get() waits until the returned function is called. */
  holdNextGet(): () => void {
    let open: () => void = () => undefined;
    this.#gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    return open;
  }
  #check(write = false): void {
    if (this.down || (write && this.failWrites)) throw new StoreUnavailableError('backend unreachable');
  }
  async get(key: string) {
    this.#check();
    const gate = this.#gate;
    this.#gate = undefined;
    const value = await this.inner.get(key);
    if (gate !== undefined) await gate;
    return value;
  }
  async set(key: string, value: string, ttlMs: number) {
    this.#check(true);
    return this.inner.set(key, value, ttlMs);
  }
  async setIfAbsent(key: string, value: string, ttlMs: number) {
    this.#check(true);
    return this.inner.setIfAbsent(key, value, ttlMs);
  }
  async compareAndSet(key: string, expected: string | undefined, value: string, ttlMs: number) {
    this.#check(true);
    return this.inner.compareAndSet(key, expected, value, ttlMs);
  }
  async compareAndDelete(key: string, expected: string) {
    this.#check(true);
    return this.inner.compareAndDelete(key, expected);
  }
  async delete(key: string) {
    this.#check(true);
    return this.inner.delete(key);
  }
}

describe('TokenCache: basics', () => {
  it('fetches once on a miss, then answers from memory', async () => {
    const clock = createManualClock(T0);
    const up = upstream();
    const { cache, events } = makeCache({ fetchToken: up.fetchToken }, clock);
    expect(await cache.get()).toBe('tok-1');
    clock.advance(60_000);
    expect(await cache.get()).toBe('tok-1');
    expect(up.calls.map((call) => call.reason)).toEqual(['miss']);
    expect(await cache.getEntry()).toEqual({ token: 'tok-1', expiresAt: T0 + HOUR_S * 1000, fetchedAt: T0 });
    expect(events.map((event) => event.type)).toEqual(['miss', 'fetch', 'hit', 'hit']);
  });

  it('shares one fetch among 500 concurrent callers (single flight)', async () => {
    const gated = gatedUpstream();
    const { cache } = makeCache({ fetchToken: gated.fetchToken });
    const pending = Array.from({ length: 500 }, () => cache.get());
    await settle();
    gated.release(0, 'only');
    expect(new Set(await Promise.all(pending))).toEqual(new Set(['only']));
    expect(gated.calls).toHaveLength(1);
  });

  it('fetches in the foreground with reason "expired" once the token has expired', async () => {
    const clock = createManualClock(T0);
    const up = upstream(60);
    const { cache } = makeCache({ fetchToken: up.fetchToken, refreshMarginMs: 0 }, clock);
    await cache.get();
    clock.advance(60_000);
    expect(await cache.get()).toBe('tok-2');
    expect(up.calls.map((call) => call.reason)).toEqual(['miss', 'expired']);
  });

  it('rejects bad options', () => {
    const fetchToken = upstream().fetchToken;
    expect(() => new TokenCache({ key: '', fetchToken })).toThrow(ConfigError);
    expect(() => new TokenCache({ key: 'k', fetchToken, refreshMarginMs: -1 })).toThrow(ConfigError);
    expect(() => new TokenCache({ key: 'k', fetchToken, retry: { attempts: 0 } })).toThrow(ConfigError);
  });

  it('rejects timer options no timer can hold (regression: fetchTimeoutMs: Infinity timed every fetch out at once)', () => {
    const fetchToken = upstream().fetchToken;
    // setTimeout turns anything above 2^31 - 1 ms into 1 ms.
    for (const bad of [Number.POSITIVE_INFINITY, 2 ** 31]) {
      expect(() => new TokenCache({ key: 'k', fetchToken, fetchTimeoutMs: bad })).toThrow(ConfigError);
      expect(() => new TokenCache({ key: 'k', fetchToken, lockPollMs: bad })).toThrow(ConfigError);
      expect(() => new TokenCache({ key: 'k', fetchToken, retry: { maxDelayMs: bad } })).toThrow(ConfigError);
      expect(() => new TokenCache({ key: 'k', fetchToken, lockTtlMs: bad })).toThrow(ConfigError);
    }
    expect(
      () => new TokenCache({ key: 'k', fetchToken, retry: { attempts: Number.POSITIVE_INFINITY } }),
    ).toThrow(ConfigError);
    // "Never re-read the store" and "wait as long as it takes" stay expressible.
    expect(
      () => new TokenCache({ key: 'k', fetchToken, maxLocalAgeMs: Number.POSITIVE_INFINITY }),
    ).not.toThrow();
  });

  it('documents its store key layout', () => {
    const cache = new TokenCache({ key: 'lark:tenant:cli_1:abc', fetchToken: upstream().fetchToken });
    expect(cache.storeKey).toBe('lingpai:token:lark:tenant:cli_1:abc');
    expect(cache.lockKey).toBe('lingpai:token:lark:tenant:cli_1:abc:lock');
  });

  it('keeps working when an event listener throws', async () => {
    const cache = new TokenCache({
      key: 'k',
      fetchToken: upstream().fetchToken,
      onEvent: () => {
        throw new Error('metrics down');
      },
    });
    expect(await cache.get()).toBe('tok-1');
  });
});

describe('TokenCache: early refresh', () => {
  it('serves the still-valid token while one background refresh runs', async () => {
    const clock = createManualClock(T0);
    const gated = gatedUpstream();
    const { cache, events } = makeCache({ fetchToken: gated.fetchToken, refreshMarginMs: 300_000 }, clock);
    const first = cache.get();
    await settle();
    gated.release(0, 'old');
    expect(await first).toBe('old');

    clock.advance((HOUR_S - 299) * 1000); // inside the 300 s margin
    const during = await Promise.all(Array.from({ length: 50 }, () => cache.get()));
    expect(new Set(during)).toEqual(new Set(['old']));
    await settle();
    expect(gated.calls.map((call) => call.reason)).toEqual(['miss', 'refresh']);
    expect(events.filter((event) => event.type === 'refresh')).toHaveLength(1);

    gated.release(1, 'new');
    await settle();
    expect(await cache.get()).toBe('new');
    expect(gated.calls).toHaveLength(2);
  });

  it('does not refresh before the margin', async () => {
    const clock = createManualClock(T0);
    const up = upstream();
    const { cache } = makeCache({ fetchToken: up.fetchToken, refreshMarginMs: 300_000 }, clock);
    await cache.get();
    clock.advance((HOUR_S - 301) * 1000);
    await cache.get();
    await settle();
    expect(up.calls).toHaveLength(1);
  });

  it('caps the margin at half the lifetime, so short-lived tokens are not refreshed in a loop', async () => {
    const clock = createManualClock(T0);
    const up = upstream(60);
    const { cache } = makeCache({ fetchToken: up.fetchToken, refreshMarginMs: 300_000 }, clock);
    await cache.get();
    clock.advance(29_999);
    await cache.get();
    await settle();
    expect(up.calls).toHaveLength(1);
    clock.advance(1);
    expect(await cache.get()).toBe('tok-1');
    await settle();
    expect(up.calls.map((call) => call.reason)).toEqual(['miss', 'refresh']);
    expect(await cache.get()).toBe('tok-2');
  });

  it('adds up to refreshJitterMs of random extra margin', async () => {
    const clock = createManualClock(T0);
    const up = upstream();
    const { cache } = makeCache(
      {
        fetchToken: up.fetchToken,
        refreshMarginMs: 300_000,
        refreshJitterMs: 60_000,
        random: (size) => new Uint8Array(size).fill(0x80), // fraction 0.502
      },
      clock,
    );
    await cache.get();
    // Margin = 300 s + 0.502 * 60 s = 330.1 s.
    clock.advance((HOUR_S - 331) * 1000);
    await cache.get();
    await settle();
    expect(up.calls).toHaveLength(1);
    clock.advance(1_000);
    await cache.get();
    await settle();
    expect(up.calls).toHaveLength(2);
  });

  it('keeps serving the valid token when the background refresh fails, and reports it', async () => {
    const clock = createManualClock(T0);
    let fail = false;
    let n = 0;
    const { cache, events } = makeCache(
      {
        fetchToken: async () => {
          if (fail) throw new Error('upstream 503');
          n += 1;
          return { token: `tok-${n}`, expiresIn: HOUR_S };
        },
        retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      },
      clock,
    );
    await cache.get();
    fail = true;
    clock.advance((HOUR_S - 100) * 1000);
    expect(await cache.get()).toBe('tok-1');
    await settle();
    await settle();
    expect(await cache.get()).toBe('tok-1');
    const error = events.find((event) => event.type === 'error');
    expect(error).toMatchObject({ stage: 'fetch', reason: 'refresh', served: 'stale' });
    // Once it has expired, callers see the typed error.
    clock.advance(100_000);
    await expect(cache.get()).rejects.toMatchObject({ code: 'TOKEN_FETCH_FAILED' });
  });
});

describe('TokenCache: failures are never cached', () => {
  it('retries with backoff, then throws TOKEN_FETCH_FAILED with the cause', async () => {
    let calls = 0;
    const cause = new Error('ECONNRESET');
    const { cache, events } = makeCache({
      fetchToken: async () => {
        calls += 1;
        throw cause;
      },
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 4 },
    });
    const error = await cache.get().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenCacheError);
    expect(error).toMatchObject({ code: 'TOKEN_FETCH_FAILED', attempts: 3, retryable: true, cause });
    expect(calls).toBe(3);
    expect(events.filter((event) => event.type === 'fetch' && !event.ok)).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ type: 'error', stage: 'fetch', reason: 'miss', served: 'none' });
    await cache.get().catch(() => undefined);
    expect(calls).toBe(6);
  });

  it('succeeds when a retry succeeds', async () => {
    let calls = 0;
    const { cache } = makeCache({
      fetchToken: async () => {
        calls += 1;
        if (calls < 3) throw new Error('busy (-1)');
        return { token: 'third-time', expiresIn: HOUR_S };
      },
    });
    expect(await cache.get()).toBe('third-time');
  });

  it('does not retry an error marked not retryable', async () => {
    let calls = 0;
    const { cache } = makeCache({
      fetchToken: async () => {
        calls += 1;
        throw new LingpaiError('INVALID_APPSECRET', 'errcode 40125', { retryable: false });
      },
    });
    await expect(cache.get()).rejects.toMatchObject({
      code: 'TOKEN_FETCH_FAILED',
      attempts: 1,
      retryable: false,
    });
    expect(calls).toBe(1);
  });

  it.each([
    [{ token: '', expiresIn: 7200 }],
    [{ token: 'ok', expiresIn: 0 }],
    [{ token: 'ok', expiresIn: -5 }],
    [{ token: 'ok', expiresIn: Number.NaN }],
    [{ token: 'ok', expiresIn: '7200' }],
    [{ expiresIn: 7200 }],
    [undefined],
  ])('never caches an invalid response %j (TOKEN_INVALID_RESPONSE, not retried)', async (response) => {
    let calls = 0;
    const store = new MemoryStore();
    const { cache } = makeCache({
      store,
      fetchToken: async () => {
        calls += 1;
        return response as unknown as { token: string; expiresIn: number };
      },
    });
    await expect(cache.get()).rejects.toMatchObject({ code: 'TOKEN_INVALID_RESPONSE' });
    expect(calls).toBe(1);
    expect(await store.get(cache.storeKey)).toBeUndefined();
  });

  it('aborts a fetch that does not settle within fetchTimeoutMs', async () => {
    const signals: AbortSignal[] = [];
    const { cache } = makeCache({
      fetchToken: (context) => {
        signals.push(context.signal);
        return new Promise(() => undefined); // ignores the signal: the cache must not hang anyway
      },
      fetchTimeoutMs: 10,
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const error = await cache.get().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TOKEN_FETCH_FAILED', attempts: 2 });
    expect((error as Error).cause).toMatchObject({ code: 'TOKEN_FETCH_TIMEOUT' });
    expect(signals.map((signal) => signal.aborted)).toEqual([true, true]);
  });
});

describe('TokenCache: invalidation', () => {
  it('invalidate(token) removes that token and the next get fetches with reason "invalidated"', async () => {
    const store = new MemoryStore();
    const up = upstream();
    const { cache, events } = makeCache({ fetchToken: up.fetchToken, store });
    expect(await cache.get()).toBe('tok-1');
    expect(await cache.invalidate('tok-1')).toBe(true);
    expect(await store.get(cache.storeKey)).toBeUndefined();
    expect(await cache.get()).toBe('tok-2');
    expect(up.calls.map((call) => call.reason)).toEqual(['miss', 'invalidated']);
    expect(events).toContainEqual({ type: 'invalidate', key: cache.key, deleted: true });
  });

  it('is compare-and-delete: a stale token never removes the newer one', async () => {
    const store = new MemoryStore();
    const up = upstream();
    const { cache } = makeCache({ fetchToken: up.fetchToken, store });
    await cache.get();
    await cache.invalidate('tok-1');
    expect(await cache.get()).toBe('tok-2');
    // A late caller reports the old token as invalid: the new one stays.
    expect(await cache.invalidate('tok-1')).toBe(false);
    expect(await cache.get()).toBe('tok-2');
    expect(up.calls).toHaveLength(2);
  });

  it('never re-adopts a token invalidated while a store read was in flight', async () => {
    const clock = createManualClock(T0);
    const store = new FlakyStore(new MemoryStore({ clock }));
    const up = upstream();
    const { cache } = makeCache({ fetchToken: up.fetchToken, store, maxLocalAgeMs: 1_000 }, clock);
    expect(await cache.get()).toBe('tok-1');
    clock.advance(1_000);
    const open = store.holdNextGet();
    const checking = cache.get(); // re-reads the store, which still holds tok-1
    await settle();
    const invalidating = cache.invalidate('tok-1');
    open();
    expect(await invalidating).toBe(true);
    expect(await checking).toBe('tok-2');
    expect(await cache.get()).toBe('tok-2');
  });

  it('accepts the same token again when the platform returns it (DingTalk, WeCom), without a fetch loop', async () => {
    let calls = 0;
    const { cache } = makeCache({
      fetchToken: async () => {
        calls += 1;
        return { token: 'same', expiresIn: HOUR_S };
      },
    });
    await cache.get();
    await cache.invalidate('same');
    expect(await cache.get()).toBe('same');
    expect(await cache.get()).toBe('same');
    expect(calls).toBe(2);
  });

  it('withToken retries exactly once with a fresh token when the platform rejects the token', async () => {
    const up = upstream();
    const { cache } = makeCache({ fetchToken: up.fetchToken });
    const seen: string[] = [];
    const isInvalid = (error: unknown) => (error as { errcode?: number }).errcode === 40001;
    const result = await cache.withToken(async (token) => {
      seen.push(token);
      if (token === 'tok-1') throw Object.assign(new Error('invalid credential'), { errcode: 40001 });
      return `called with ${token}`;
    }, isInvalid);
    expect(result).toBe('called with tok-2');
    expect(seen).toEqual(['tok-1', 'tok-2']);
  });

  it('withToken gives up after one retry (no quota-burning loop) and passes other errors through', async () => {
    const up = upstream();
    const { cache } = makeCache({ fetchToken: up.fetchToken });
    let calls = 0;
    const rejected = Object.assign(new Error('invalid credential'), { errcode: 40001 });
    await expect(
      cache.withToken(
        async () => {
          calls += 1;
          throw rejected;
        },
        () => true,
      ),
    ).rejects.toBe(rejected);
    expect(calls).toBe(2);
    expect(up.calls).toHaveLength(2);

    const other = new Error('45009 api freq out of limit');
    calls = 0;
    await expect(
      cache.withToken(
        async () => {
          calls += 1;
          throw other;
        },
        () => false,
      ),
    ).rejects.toBe(other);
    expect(calls).toBe(1);
    expect(up.calls).toHaveLength(2);
  });
});

describe('TokenCache: shared store and lock', () => {
  it('two caches (two "processes") on one store and lock make one upstream fetch', async () => {
    const clock = createManualClock(T0);
    const store = new MemoryStore({ clock });
    const gated = gatedUpstream();
    const a = makeCache({ fetchToken: gated.fetchToken, store, lockPollMs: 1 }, clock);
    const b = makeCache({ fetchToken: gated.fetchToken, store, lockPollMs: 1 }, clock);
    const pending = [
      ...Array.from({ length: 20 }, () => a.cache.get()),
      ...Array.from({ length: 20 }, () => b.cache.get()),
    ];
    await settle();
    expect(gated.calls).toHaveLength(1);
    gated.release(0, 'shared');
    expect(new Set(await Promise.all(pending))).toEqual(new Set(['shared']));
    expect(gated.calls).toHaveLength(1);
    const lockEvents = [...a.events, ...b.events].filter((event) => event.type === 'lock');
    expect(lockEvents.map((event) => (event.type === 'lock' ? event.outcome : '')).sort()).toEqual([
      'acquired',
      'adopted',
    ]);
  });

  it('a slow fetch that finishes after a newer token was stored never overwrites it', async () => {
    const clock = createManualClock(T0);
    const store = new MemoryStore({ clock });
    const slow = gatedUpstream();
    const fast = upstream();
    const a = makeCache({ fetchToken: slow.fetchToken, store, lockTtlMs: 1_000 }, clock);
    const b = makeCache(
      { fetchToken: async (context) => ({ ...(await fast.fetchToken(context)), token: 'newer' }), store },
      clock,
    );

    const slowGet = a.cache.get();
    await settle();
    expect(slow.calls).toHaveLength(1);
    clock.advance(1_001); // A's lease runs out while its fetch hangs
    expect(await b.cache.get()).toBe('newer');

    slow.release(0, 'older');
    expect(await slowGet).toBe('newer');
    const stored = JSON.parse((await store.get(a.cache.storeKey)) ?? '{}') as { token?: string };
    expect(stored.token).toBe('newer');
    expect(a.events).toContainEqual({ type: 'conflict', key: a.cache.key });
  });

  it('stores a refreshed token when the one it replaces was invalidated meanwhile (regression: kept it private, so others fetched again)', async () => {
    const clock = createManualClock(T0);
    const store = new MemoryStore({ clock });
    const gated = gatedUpstream();
    const a = makeCache({ fetchToken: gated.fetchToken, store }, clock);
    const otherUp = upstream();
    const b = makeCache({ fetchToken: otherUp.fetchToken, store, lockPollMs: 1 }, clock);
    const first = a.cache.get();
    await settle();
    gated.release(0, 'tok-1');
    expect(await first).toBe('tok-1');

    clock.advance((HOUR_S - 299) * 1000); // inside the margin: A refreshes in the background
    expect(await a.cache.get()).toBe('tok-1');
    await settle();
    expect(gated.calls.map((call) => call.reason)).toEqual(['miss', 'refresh']);
    // Meanwhile another process is told tok-1 is invalid and removes it.
    expect(await b.cache.invalidate('tok-1')).toBe(true);
    gated.release(1, 'tok-2');
    await settle();

    const stored = JSON.parse((await store.get(a.cache.storeKey)) ?? '{}') as { token?: string };
    expect(stored.token).toBe('tok-2');
    expect(await b.cache.get()).toBe('tok-2');
    expect(otherUp.calls).toHaveLength(0);
    expect(a.events).not.toContainEqual({ type: 'conflict', key: a.cache.key });
  });

  it('re-reads the store after taking the lock: a token stored since the first read is adopted, not fetched again', async () => {
    const inner = new MemoryStore();
    const slowReads = new FlakyStore(inner);
    let aCalls = 0;
    let bCalls = 0;
    const a = makeCache({
      fetchToken: async () => ({ token: `from-a-${++aCalls}`, expiresIn: HOUR_S }),
      store: inner,
    });
    const b = makeCache({
      fetchToken: async () => ({ token: `from-b-${++bCalls}`, expiresIn: HOUR_S }),
      store: slowReads,
      lock: inner,
    });
    const open = slowReads.holdNextGet();
    const pending = b.cache.get(); // B has read "no token" and is held before locking
    await settle();
    expect(await a.cache.get()).toBe('from-a-1'); // A locks, fetches, stores, unlocks
    open();
    expect(await pending).toBe('from-a-1');
    expect(bCalls).toBe(0);
    expect(b.events).toContainEqual(expect.objectContaining({ type: 'lock', outcome: 'adopted', polls: 0 }));
  });

  it('a waiter adopts the token another process stores while holding the lock', async () => {
    const clock = createManualClock(T0);
    const store = new MemoryStore({ clock });
    const holder = makeCache({ fetchToken: upstream().fetchToken, store }, clock);
    const lock = await store.tryAcquire(holder.cache.lockKey, 60_000);
    const waiterUp = upstream();
    const waiter = makeCache({ fetchToken: waiterUp.fetchToken, store, lockPollMs: 1 }, clock);
    const pending = waiter.cache.get();
    await settle();
    // The "other process" stores its token and lets go.
    await store.set(
      holder.cache.storeKey,
      JSON.stringify({ token: 'from-holder', expiresAt: T0 + 7_200_000, fetchedAt: T0 }),
      7_200_000,
    );
    expect(await pending).toBe('from-holder');
    expect(waiterUp.calls).toHaveLength(0);
    await lock?.release();
  });

  it('gives up with TOKEN_LOCK_TIMEOUT when the holder never stores a token', async () => {
    const store = new MemoryStore();
    const up = upstream();
    // No jitter (every random fraction 0), so the poll count is exact.
    const { cache, events } = makeCache({
      fetchToken: up.fetchToken,
      store,
      lockWaitMs: 10,
      lockPollMs: 2,
      random: (size) => new Uint8Array(size),
    });
    await store.tryAcquire(cache.lockKey, 60_000);
    const error = await cache.get().catch((caught: unknown) => caught);
    expect(isLingpaiError(error, 'TOKEN_LOCK_TIMEOUT')).toBe(true);
    expect(up.calls).toHaveLength(0);
    expect(events).toContainEqual(expect.objectContaining({ type: 'lock', outcome: 'timeout', polls: 5 }));
  });

  it('leases the lock for a whole load with its retries (regression: the 15 s default ran out during them)', async () => {
    const store = new MemoryStore();
    const leases: number[] = [];
    const lock: LockStore = {
      tryAcquire: (key, ttlMs) => {
        leases.push(ttlMs);
        return store.tryAcquire(key, ttlMs);
      },
    };
    const { cache } = makeCache({ fetchToken: upstream().fetchToken, store, lock, retry: {} });
    await cache.get();
    // Worst case of the defaults: 3 attempts of up to 5 s each, plus 200 ms and 400 ms of backoff.
    expect(leases[0]).toBeGreaterThan(3 * 5_000 + 200 + 400);

    const explicit = makeCache({ fetchToken: upstream().fetchToken, store, lock, lockTtlMs: 2_000 });
    await explicit.cache.get();
    expect(leases).toHaveLength(1); // adopted the stored token: no second lock
    await explicit.cache.invalidate(await explicit.cache.get());
    await explicit.cache.get();
    expect(leases[1]).toBe(2_000);
  });

  it('waits for the lock as long as its lease by default (regression: waiters gave up while the holder still could fetch)', async () => {
    vi.useFakeTimers();
    try {
      const store = new MemoryStore();
      const { cache, events } = makeCache({
        fetchToken: upstream().fetchToken,
        store,
        lockTtlMs: 40_000,
        random: (size) => new Uint8Array(size), // no poll jitter: the poll count is exact
      });
      await store.tryAcquire(cache.lockKey, 60_000);
      const outcome = cache.get().catch((caught: unknown) => caught);
      await vi.runAllTimersAsync();
      expect(isLingpaiError(await outcome, 'TOKEN_LOCK_TIMEOUT')).toBe(true);
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'lock', outcome: 'timeout', polls: 40_000 / 50 }),
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('gives up on the lock after lockWaitMs, not 1.25x (regression: poll jitter was added past the deadline)', async () => {
    vi.useFakeTimers();
    try {
      const store = new MemoryStore();
      // Every random fraction ~1: each poll asks for the most jitter, 1.5 x lockPollMs.
      const random = (size: number) => new Uint8Array(size).fill(0xff);
      const { cache, events } = makeCache({
        fetchToken: upstream().fetchToken,
        store,
        random,
        lockWaitMs: 1_000,
        lockPollMs: 50,
      });
      await store.tryAcquire(cache.lockKey, 60_000);
      let outcome: unknown = 'pending';
      const settled = cache.get().then(
        () => {
          outcome = 'resolved';
        },
        (error: unknown) => {
          outcome = error;
        },
      );
      await vi.advanceTimersByTimeAsync(999);
      expect(outcome).toBe('pending');
      await vi.advanceTimersByTimeAsync(1);
      expect(isLingpaiError(outcome, 'TOKEN_LOCK_TIMEOUT')).toBe(true);
      await settled;
      // 13 polls of 75 ms, then the last one clipped to the 25 ms left.
      expect(events).toContainEqual(expect.objectContaining({ type: 'lock', outcome: 'timeout', polls: 14 }));
    } finally {
      vi.useRealTimers();
    }
  });

  it('counts the wait on its clock too, so slow store calls do not stretch it', async () => {
    vi.useFakeTimers();
    try {
      const clock = createManualClock(T0);
      const store = new MemoryStore({ clock });
      const { cache, events } = makeCache(
        { fetchToken: upstream().fetchToken, store, lockWaitMs: 1_000, lockPollMs: 50 },
        clock,
      );
      await store.tryAcquire(cache.lockKey, 60_000);
      let outcome: unknown = 'pending';
      const settled = cache.get().catch((error: unknown) => {
        outcome = error;
      });
      // The clock jumps past the deadline (a stalled store, a suspended VM) during the first poll.
      await vi.advanceTimersByTimeAsync(10);
      expect(outcome).toBe('pending');
      clock.advance(1_000);
      await vi.advanceTimersByTimeAsync(65);
      expect(isLingpaiError(outcome, 'TOKEN_LOCK_TIMEOUT')).toBe(true);
      await settled;
      expect(events).toContainEqual(expect.objectContaining({ type: 'lock', outcome: 'timeout', polls: 1 }));
    } finally {
      vi.useRealTimers();
    }
  });

  it('re-reads the store after maxLocalAgeMs and so notices another process invalidated the token', async () => {
    const clock = createManualClock(T0);
    const store = new MemoryStore({ clock });
    const up = upstream();
    const a = makeCache({ fetchToken: up.fetchToken, store, maxLocalAgeMs: 1_000 }, clock);
    const b = makeCache({ fetchToken: up.fetchToken, store, maxLocalAgeMs: 1_000 }, clock);
    expect(await a.cache.get()).toBe('tok-1');
    expect(await b.cache.get()).toBe('tok-1');
    await b.cache.invalidate('tok-1');
    expect(await b.cache.get()).toBe('tok-2');
    // A still trusts its copy for up to maxLocalAgeMs, then adopts B's token without fetching.
    expect(await a.cache.get()).toBe('tok-1');
    clock.advance(1_000);
    expect(await a.cache.get()).toBe('tok-2');
    expect(up.calls).toHaveLength(2);
    expect(a.events).toContainEqual({ type: 'hit', key: a.cache.key, source: 'store' });
  });

  it('replaces a malformed stored value', async () => {
    const store = new MemoryStore();
    const up = upstream();
    const { cache } = makeCache({ fetchToken: up.fetchToken, store });
    await store.set(cache.storeKey, 'not json', 60_000);
    expect(await cache.get()).toBe('tok-1');
    expect(JSON.parse((await store.get(cache.storeKey)) ?? '{}')).toMatchObject({ token: 'tok-1' });
  });

  it('writes the entry with a TTL equal to its remaining lifetime', async () => {
    const clock = createManualClock(T0);
    const store = new MemoryStore({ clock });
    const { cache } = makeCache({ fetchToken: upstream(100).fetchToken, store }, clock);
    await cache.get();
    clock.advance(99_999);
    expect(await store.get(cache.storeKey)).toBeDefined();
    clock.advance(1);
    expect(await store.get(cache.storeKey)).toBeUndefined();
  });
});

describe('TokenCache: store failures', () => {
  it('throws STORE_UNAVAILABLE when it has no valid token and the store is down', async () => {
    const store = new FlakyStore(new MemoryStore());
    store.down = true;
    const up = upstream();
    const { cache } = makeCache({ fetchToken: up.fetchToken, store });
    await expect(cache.get()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(up.calls).toHaveLength(0);
    store.down = false;
    expect(await cache.get()).toBe('tok-1');
  });

  it('keeps serving a still-valid token while the store is down', async () => {
    const clock = createManualClock(T0);
    const store = new FlakyStore(new MemoryStore({ clock }));
    const { cache, events } = makeCache(
      { fetchToken: upstream().fetchToken, store, maxLocalAgeMs: 1_000 },
      clock,
    );
    await cache.get();
    store.down = true;
    clock.advance(5_000);
    expect(await cache.get()).toBe('tok-1');
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'error', stage: 'store-read', served: 'stale' }),
    );
  });

  it('returns the fetched token even when writing it to the store fails', async () => {
    const store = new FlakyStore(new MemoryStore());
    store.failWrites = true;
    const { cache, events } = makeCache({ fetchToken: upstream().fetchToken, store, lock: false });
    expect(await cache.get()).toBe('tok-1');
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'error', stage: 'store-write', served: 'stale' }),
    );
  });
});
