import type { KeyValueStore } from '@lingpai/auth-core';

/**
 * Remembers the highest TOTP time step / HOTP counter accepted for one factor (one user's one
 * authenticator). `accept` must be atomic across every process sharing the store: of two concurrent
 * calls with the same step, exactly one returns true.
 */
export interface ReplayGuard {
  /** True, and remembers `step`, only if `step` is greater than every step accepted before. */
  accept(step: bigint, ttlMs: number): Promise<boolean>;
}

export interface StoreReplayGuardOptions {
  /** Any lingpai `KeyValueStore`: `MemoryStore` (one process) or `RedisStore` (shared). */
  store: KeyValueStore;
  /** One key per factor, e.g. `totp:last-step:${userId}:${factorId}`. */
  key: string;
}

// Compare-and-set retries under contention; after that the request is refused, which is the safe side.
const MAX_ROUNDS = 8;

/**
 * A `ReplayGuard` on a `KeyValueStore`, using compare-and-set so two requests racing with the same
 * code cannot both pass. "Greater than the last accepted step" (not merely "not seen before") also
 * refuses an older code from the window once a newer one was used (RFC 6238 §5.2).
 */
export function createReplayGuard(options: StoreReplayGuardOptions): ReplayGuard {
  const { store, key } = options;
  return {
    async accept(step, ttlMs) {
      for (let round = 0; round < MAX_ROUNDS; round += 1) {
        const current = await store.get(key);
        if (current !== undefined && BigInt(current) >= step) return false;
        if (await store.compareAndSet(key, current, step.toString(), ttlMs)) return true;
      }
      return false;
    },
  };
}
