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
/**
 * With a `limit`, a hot key also leases slots ahead: a batch reserves up to `chunk` counts more than
 * its callers need, and later callers take the reserved counts from memory without a round trip.
 * The reservation is itself an atomic increment of the shared counter, so the instances together
 * never admit more than the limit; at most the unused part of each instance's last lease (≤ 1/32 of
 * the limit) goes unused in a window. The lease doubles (from 1) with each round trip inside one
 * window and starts again from one in the next, so a quiet client counts exactly; limits under 64
 * per window never lease.
 */
interface Lease {
  next: number;
  last: number;
  until: number;
}

export class CoalescingCounter {
  readonly #store: CounterStore;
  readonly #clock: Clock;
  readonly #queued = new Map<string, { ttlMs: number; waiters: Waiter[]; limit: number | undefined }>();
  readonly #inFlight = new Set<string>();
  /** The highest count each key reached, and until when (epoch ms) its window lasts. */
  readonly #last = new Map<string, { count: number; until: number }>();
  readonly #leases = new Map<string, Lease>();
  /** The next lease size per key, and the window it was earned in. */
  readonly #chunks = new Map<string, { size: number; until: number }>();

  constructor(store: CounterStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /**
   * Adds one. The window (`ttlMs`) of the key's first queued caller applies to its batch. With
   * `limit`, counts may come from a lease (see above).
   */
  increment(key: string, ttlMs: number, limit?: number): Promise<{ count: number; ttlMs: number }> {
    const now = this.#clock.now();
    const lease = this.#leases.get(key);
    if (lease && lease.until > now && lease.next <= lease.last) {
      const count = lease.next++;
      return Promise.resolve({ count, ttlMs: lease.until - now });
    }
    return new Promise((resolve, reject) => {
      let queued = this.#queued.get(key);
      if (!queued) {
        queued = { ttlMs, waiters: [], limit };
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

  /** How many counts to reserve beyond the callers: doubles while leases run out inside one window. */
  #extra(key: string, limit: number | undefined, callers: number): number {
    if (limit === undefined) return 0;
    const max = Math.min(256, Math.floor(limit / 32));
    if (max <= 1) return 0;
    const now = this.#clock.now();
    const chunk = this.#chunks.get(key);
    // Each further round trip inside one window doubles the reservation; a new window starts from one.
    const size = chunk && chunk.until > now ? Math.min(max, chunk.size * 2) : 1;
    if (this.#chunks.size >= 10_000) this.#chunks.clear();
    this.#chunks.set(key, { size, until: chunk && chunk.until > now ? chunk.until : now + 60_000 });
    return Math.max(0, size - callers);
  }

  #send(key: string): void {
    const queued = this.#queued.get(key);
    if (!queued) return;
    this.#queued.delete(key);
    this.#inFlight.add(key);
    const callers = queued.waiters.length;
    const n = callers + this.#extra(key, queued.limit, callers);
    this.#store
      .increment(key, queued.ttlMs, n)
      .then(
        ({ count, ttlMs }) => {
          const until = this.#clock.now() + ttlMs;
          if (this.#last.size >= 10_000) this.#last.clear();
          this.#last.set(key, { count, until });
          const first = count - n + 1;
          for (const [index, waiter] of queued.waiters.entries())
            waiter.resolve({ count: first + index, ttlMs });
          if (n > callers) {
            if (this.#leases.size >= 10_000) this.#leases.clear();
            this.#leases.set(key, { next: first + callers, last: count, until });
          }
          const chunk = this.#chunks.get(key);
          if (chunk) chunk.until = until;
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
