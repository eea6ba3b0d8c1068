import type { CounterStore } from '@lingpai/auth-core';

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
  readonly #queued = new Map<string, { ttlMs: number; waiters: Waiter[] }>();
  readonly #inFlight = new Set<string>();

  constructor(store: CounterStore) {
    this.#store = store;
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
export function coalescingCounter(store: CounterStore): CoalescingCounter {
  let counter = counters.get(store);
  if (!counter) {
    counter = new CoalescingCounter(store);
    counters.set(store, counter);
  }
  return counter;
}
