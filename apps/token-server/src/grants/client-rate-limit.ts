import type { Clock, CounterStore } from '@lingpai/auth-core';
import { limitKey } from '../limits/limit-key.js';

interface Waiter {
  resolve(value: { count: number; ttlMs: number }): void;
  reject(error: unknown): void;
}

/**
 * Fixed-window increments of hot keys (one client's client_credentials counter takes every request
 * of that client), coalesced: while one increment of a key is in flight, later ones queue and go
 * together as a single `increment(key, ttl, n)`. Each caller still gets a count of its own
 * (`count - n + 1 … count`), exactly what n one-by-one increments in some order would have given,
 * so every limit decision is the same — across instances too, since each batch is one atomic
 * increment. Why: on PostgreSQL every upsert of the one row waits for the previous one's commit
 * (row lock held until the WAL flush), so one statement per request serializes a client's issuances
 * behind the disk; batched, that cost is paid once per round trip instead of once per request.
 */
export class CoalescingCounter {
  readonly #store: CounterStore;
  readonly #clock: Clock;
  readonly #queued = new Map<string, { ttlMs: number; waiters: Waiter[] }>();
  readonly #inFlight = new Set<string>();
  /** The highest count each key reached, and until when (epoch ms) its window lasts. */
  readonly #last = new Map<string, { count: number; until: number }>();

  constructor(store: CounterStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** Adds one. The window (`ttlMs`) of the key's first queued caller applies to its batch. */
  increment(key: string, ttlMs: number): Promise<{ count: number; ttlMs: number }> {
    return new Promise((resolve, reject) => {
      let queued = this.#queued.get(key);
      if (!queued) {
        queued = { ttlMs, waiters: [] };
        this.#queued.set(key, queued);
      }
      queued.waiters.push({ resolve, reject });
      // Nothing in flight: go at once (no added latency when the key is not hot).
      if (!this.#inFlight.has(key)) this.#send(key);
    });
  }

  /**
   * True when this process last saw `key` at or past `limit` in a window still open: the caller should
   * wait for the count before doing costly work it would throw away (signing a refused token).
   */
  lastSeenAtLeast(key: string, limit: number): boolean {
    const last = this.#last.get(key);
    return last !== undefined && last.until > this.#clock.now() && last.count >= limit;
  }

  #send(key: string): void {
    const queued = this.#queued.get(key);
    if (!queued) return;
    this.#queued.delete(key);
    this.#inFlight.add(key);
    const n = queued.waiters.length;
    this.#store
      .increment(key, queued.ttlMs, n)
      .then(
        ({ count, ttlMs }) => {
          if (this.#last.size >= 10_000) this.#last.clear();
          this.#last.set(key, { count, until: this.#clock.now() + ttlMs });
          for (const [index, waiter] of queued.waiters.entries())
            waiter.resolve({ count: count - n + 1 + index, ttlMs });
        },
        (error: unknown) => {
          for (const waiter of queued.waiters) waiter.reject(error);
        },
      )
      .finally(() => {
        this.#inFlight.delete(key);
        this.#send(key);
      });
  }
}

const counters = new WeakMap<CounterStore, CoalescingCounter>();

/** The coalescing counter of a store (one per store, so every request of a process shares it). */
export function coalescingCounter(store: CounterStore, clock: Clock): CoalescingCounter {
  let counter = counters.get(store);
  if (!counter) {
    counter = new CoalescingCounter(store, clock);
    counters.set(store, counter);
  }
  return counter;
}

const limitKeys = new WeakMap<Buffer, Map<string, string>>();

/**
 * The store key of a client's client_credentials counter: the same HMAC as `limitKey(key, 'cc', id)`,
 * computed once per client instead of once per request (bounded like the client cache).
 */
export function clientCredentialsLimitKey(hmacKey: Buffer, clientId: string): string {
  let byClient = limitKeys.get(hmacKey);
  if (!byClient) {
    byClient = new Map();
    limitKeys.set(hmacKey, byClient);
  }
  let key = byClient.get(clientId);
  if (key === undefined) {
    if (byClient.size >= 10_000) byClient.clear();
    key = limitKey(hmacKey, 'cc', clientId);
    byClient.set(clientId, key);
  }
  return key;
}
