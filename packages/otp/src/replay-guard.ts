import { isLingpaiError, type KeyValueStore } from '@lingpai/auth-core';
import { OtpError } from './errors.js';

/**
 * Remembers the highest TOTP time step / HOTP counter accepted for one factor (one user's one
 * authenticator). `accept` must be atomic across every process sharing the store: of two concurrent
 * calls with the same step, exactly one returns true. It must never return true without having
 * recorded the step: when it cannot record, it returns false or throws.
 */
export interface ReplayGuard {
  /** True, and remembers `step`, only if `step` is greater than every step accepted before. */
  accept(step: bigint, ttlMs: number): Promise<boolean>;
}

export interface StoreReplayGuardOptions {
  /**
   * Any lingpai `KeyValueStore`: `MemoryStore` (one process) or `RedisStore` (shared). It must not
   * evict live entries when full (auth-core's `MemoryStore` refuses with `STORE_FULL`; Redis needs
   * `maxmemory-policy noeviction`): an evicted marker re-opens every step it covered.
   */
  store: KeyValueStore;
  /** One key per factor, e.g. `totp:last-step:${userId}:${factorId}`. */
  key: string;
}

// Compare-and-set retries under contention; after that the request is refused, which is the safe side.
const MAX_ROUNDS = 8;
const STEP = /^(?:0|[1-9][0-9]{0,19})$/;

/**
 * A `ReplayGuard` on a `KeyValueStore`, using compare-and-set so two requests racing with the same
 * code cannot both pass. "Greater than the last accepted step" (not merely "not seen before") also
 * refuses an older code from the window once a newer one was used (RFC 6238 §5.2).
 *
 * Fails closed: a store that is full (`STORE_FULL`) or unreachable (`STORE_UNAVAILABLE`) makes
 * `accept` throw `OTP_STORE_UNAVAILABLE` (retryable, the store error as `cause`), so the code is
 * refused and the caller can answer "try again" rather than "wrong code". A marker that is not a
 * step number refuses every code until it expires.
 */
export function createReplayGuard(options: StoreReplayGuardOptions): ReplayGuard {
  const { store, key } = options;
  return {
    async accept(step, ttlMs) {
      try {
        for (let round = 0; round < MAX_ROUNDS; round += 1) {
          const current = await store.get(key);
          if (current !== undefined && (!STEP.test(current) || BigInt(current) >= step)) return false;
          if (await store.compareAndSet(key, current, step.toString(), ttlMs)) return true;
        }
        return false;
      } catch (error) {
        if (isLingpaiError(error, 'STORE_FULL') || isLingpaiError(error, 'STORE_UNAVAILABLE')) {
          throw new OtpError(
            'OTP_STORE_UNAVAILABLE',
            'The replay guard could not record this code, so it was refused; try again',
            { cause: error, retryable: true },
          );
        }
        throw error;
      }
    },
  };
}
