/**
 * Storage interfaces shared by every lingpai package. The in-memory implementation is
 * `MemoryStore` (this package); `@lingpai/redis` implements the same interfaces on Redis.
 *
 * Units: every TTL is in **milliseconds** and must be a positive integer. Keys and values are strings;
 * callers serialize structured values themselves so every backend stores the same bytes.
 *
 * Atomicity: each method below is a single atomic step with respect to every other method call on
 * the same key, across every process sharing the store. Implementations that cannot promise that
 * (a plain cache without scripting) must not implement these interfaces.
 *
 * Failure: an implementation that cannot reach its backend throws `StoreUnavailableError`
 * (code `STORE_UNAVAILABLE`) within a bounded time; it never hangs and never reports a miss instead.
 *
 * Capacity: a store never evicts a live entry to make room. Nonces, replay markers and rate-limit
 * counters live in these stores, and evicting them would let whoever fills the store replay a
 * request or reset a limit. A write that would add a key to a full store throws `StoreFullError`
 * (code `STORE_FULL`) and changes nothing. Expired entries may be reclaimed first. `MemoryStore`
 * still takes writes to keys already present; `RedisStore` needs `maxmemory-policy noeviction`, under
 * which Redis refuses every write once full (an evicting policy would drop live entries).
 */
export interface KeyValueStore {
  /** The current value, or `undefined` if absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Writes unconditionally, replacing any value and TTL. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Writes only if the key is absent. Returns true if this call wrote. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /**
   * Writes only if the current value is exactly `expected` (or the key is absent, when `expected`
   * is `undefined`). Returns true if this call wrote. Used so that a slow writer never overwrites
   * a newer value it did not see.
   */
  compareAndSet(key: string, expected: string | undefined, value: string, ttlMs: number): Promise<boolean>;
  /** Deletes only if the current value is exactly `expected`. Returns true if this call deleted. */
  compareAndDelete(key: string, expected: string): Promise<boolean>;
  /** Deletes unconditionally. Returns true if a value was there. */
  delete(key: string): Promise<boolean>;
}

/** A counter in a fixed window: the first increment starts the window and sets its TTL. */
export interface CounterStore {
  /**
   * Adds `by` (default 1) to the counter and returns the new count and the milliseconds left in the
   * window. The TTL is set only when the counter is created, so the window does not slide.
   * A key holding a value that is not an integer (Redis INCRBY's strict rule) throws
   * `StoreValueError` (`STORE_INVALID_VALUE`) and keeps its value.
   */
  increment(key: string, ttlMs: number, by?: number): Promise<{ count: number; ttlMs: number }>;
}

/** A held lock. `release` deletes the lock only if it is still ours (compare-and-delete on the token). */
export interface Lock {
  readonly key: string;
  /** Random value identifying this holder. */
  readonly token: string;
  /** Returns false if the lock had already expired or been taken over. */
  release(): Promise<boolean>;
}

/** Mutual exclusion with a lease: a crashed holder's lock expires after `ttlMs`. */
export interface LockStore {
  /** Tries once, without waiting. Returns the lock, or `undefined` if someone else holds it. */
  tryAcquire(key: string, ttlMs: number): Promise<Lock | undefined>;
}

/** Everything a shared backend offers; `MemoryStore` and `RedisStore` implement all of it. */
export interface SharedStore extends KeyValueStore, CounterStore, LockStore {}
