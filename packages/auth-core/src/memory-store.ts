import { type Clock, systemClock } from './clock.js';
import { hexNonce } from './random.js';
import type { Lock, SharedStore } from './store.js';
import { assertKey, assertTtl, StoreArgumentError, StoreValueError } from './store-errors.js';

interface Entry {
  value: string;
  expiresAt: number;
}

export interface MemoryStoreOptions {
  clock?: Clock;
  /** Upper bound on entries; the oldest-inserted are evicted first when full. Default 100,000. */
  maxEntries?: number;
}

/**
 * An in-process implementation of every lingpai store interface. Atomic because JavaScript runs
 * each method body to completion without awaiting in between. Expired entries are removed lazily on
 * access and by a sweep on insert, so no timer keeps the process alive.
 */
export class MemoryStore implements SharedStore {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: Clock;
  readonly #maxEntries: number;
  #nextSweepAt = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#maxEntries = options.maxEntries ?? 100_000;
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
    // Re-inserting moves the key to the end of the Map's order, which keeps eviction oldest-first.
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      // A full sweep is O(n): at most once a second, or a full store of live entries makes every write O(n).
      const now = this.#clock.now();
      if (now >= this.#nextSweepAt) {
        this.#nextSweepAt = now + 1_000;
        this.#sweep();
      }
      const oldest = this.#entries.keys().next();
      if (this.#entries.size >= this.#maxEntries && oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt: this.#clock.now() + ttlMs });
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
