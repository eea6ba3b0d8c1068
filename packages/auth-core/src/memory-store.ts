import { type Clock, systemClock } from './clock.js';
import { ConfigError, describeValue } from './config-error.js';
import { hexNonce } from './random.js';
import type { Lock, SharedStore } from './store.js';
import { assertKey, assertTtl, StoreArgumentError, StoreFullError, StoreValueError } from './store-errors.js';

interface Entry {
  value: string;
  expiresAt: number;
}

export interface MemoryStoreOptions {
  clock?: Clock;
  /**
   * Upper bound on live entries. When full (after dropping expired entries) a write that would add a
   * key throws `StoreFullError` (`STORE_FULL`); no live entry is ever evicted. Default 100,000.
   */
  maxEntries?: number;
}

/** Default `maxEntries`. */
export const MEMORY_STORE_DEFAULT_MAX_ENTRIES = 100_000;

// How often a full store may scan all entries for expired ones: a scan is O(n), so a flood against a
// store full of live entries must not make every refused write O(n).
const FULL_SWEEP_INTERVAL_MS = 1_000;

/**
 * An in-process implementation of every lingpai store interface. Atomic because JavaScript runs
 * each method body to completion without awaiting in between. Expired entries are removed lazily on
 * access and by a sweep when the store is full, so no timer keeps the process alive.
 *
 * Fails closed when full: a new key is refused with `StoreFullError`, never made room for by evicting
 * a live entry. A nonce or replay marker written here therefore stays until its TTL, whoever floods
 * the store (`packages/auth-core/README.md`, "MemoryStore").
 */
export class MemoryStore implements SharedStore {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: Clock;
  readonly #maxEntries: number;
  #nextSweepAt = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    const maxEntries = options.maxEntries ?? MEMORY_STORE_DEFAULT_MAX_ENTRIES;
    if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0) {
      throw new ConfigError(
        'maxEntries',
        `MemoryStore: \`maxEntries\` must be a positive integer, got ${describeValue(maxEntries)}`,
      );
    }
    this.#maxEntries = maxEntries;
  }

  /** Number of live entries (expired ones are swept first). */
  get size(): number {
    this.#sweep();
    return this.#entries.size;
  }

  async get(key: string): Promise<string | undefined> {
    assertKey(key);
    return this.#read(key)?.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    assertKey(key);
    assertTtl(ttlMs);
    this.#write(key, value, ttlMs);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    assertKey(key);
    assertTtl(ttlMs);
    if (this.#read(key) !== undefined) return false;
    this.#write(key, value, ttlMs);
    return true;
  }

  async compareAndSet(
    key: string,
    expected: string | undefined,
    value: string,
    ttlMs: number,
  ): Promise<boolean> {
    assertKey(key);
    assertTtl(ttlMs);
    if (this.#read(key)?.value !== expected) return false;
    this.#write(key, value, ttlMs);
    return true;
  }

  async compareAndDelete(key: string, expected: string): Promise<boolean> {
    assertKey(key);
    if (this.#read(key)?.value !== expected) return false;
    this.#entries.delete(key);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    assertKey(key);
    const existed = this.#read(key) !== undefined;
    this.#entries.delete(key);
    return existed;
  }

  async increment(key: string, ttlMs: number, by = 1): Promise<{ count: number; ttlMs: number }> {
    assertKey(key);
    assertTtl(ttlMs);
    // Same rule as Redis INCRBY: whole numbers only, so both backends count alike.
    if (!Number.isSafeInteger(by))
      throw new StoreArgumentError(`increment step must be an integer, got ${by}`);
    const now = this.#clock.now();
    const entry = this.#read(key);
    if (entry === undefined) {
      this.#write(key, String(by), ttlMs);
      return { count: by, ttlMs };
    }
    // Throws before writing, so a key holding foreign data keeps it (INCRBY leaves it too).
    const count = incrementStoredValue(entry.value, by);
    entry.value = String(count);
    return { count, ttlMs: entry.expiresAt - now };
  }

  async tryAcquire(key: string, ttlMs: number): Promise<Lock | undefined> {
    const token = hexNonce(16);
    if (!(await this.setIfAbsent(key, token, ttlMs))) return undefined;
    return { key, token, release: () => this.compareAndDelete(key, token) };
  }

  /** Removes every entry; for tests. */
  clear(): void {
    this.#entries.clear();
  }

  #read(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#clock.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #write(key: string, value: string, ttlMs: number): void {
    const now = this.#clock.now();
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      // Rewriting a key (even an expired one still in the map) takes no new room.
      entry.value = value;
      entry.expiresAt = now + ttlMs;
      return;
    }
    this.#makeRoom(now);
    this.#entries.set(key, { value, expiresAt: now + ttlMs });
  }

  // Reclaims expired entries if the store is full; throws rather than evict a live one.
  #makeRoom(now: number): void {
    if (this.#entries.size < this.#maxEntries) return;
    // O(1) first: the oldest-inserted entry is the likeliest to have expired.
    const oldest = this.#entries.entries().next();
    if (oldest.done !== true && oldest.value[1].expiresAt <= now) {
      this.#entries.delete(oldest.value[0]);
      return;
    }
    if (now >= this.#nextSweepAt) {
      this.#nextSweepAt = now + FULL_SWEEP_INTERVAL_MS;
      this.#sweep();
      if (this.#entries.size < this.#maxEntries) return;
    }
    throw new StoreFullError(
      `MemoryStore is full: ${this.#maxEntries} live entries (raise maxEntries or use RedisStore); it refuses new keys rather than evict one`,
    );
  }

  #sweep(): void {
    const now = this.#clock.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(key);
    }
  }
}

// Redis's string2ll: optional '-', no '+', no leading zeros, no spaces; '-0' is refused too.
const REDIS_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;

/**
 * The count after adding `by` to `stored`, as Redis INCRBY computes it; throws `StoreValueError`
 * where INCRBY errors (a value that is not an integer) or where the result would not be exact.
 */
function incrementStoredValue(stored: string, by: number): number {
  // The key stays out of the message: keys can hold phone numbers or emails, and messages get logged.
  if (!REDIS_INTEGER.test(stored))
    throw new StoreValueError('Cannot increment: the stored value is not an integer');
  const count = Number(stored) + by;
  if (!Number.isSafeInteger(Number(stored)) || !Number.isSafeInteger(count)) {
    throw new StoreValueError('Cannot increment: the count would leave the safe integer range');
  }
  return count;
}
