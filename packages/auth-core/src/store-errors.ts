import { LingpaiError, type LingpaiErrorOptions } from './errors.js';

/** The store (Redis, a database) could not be reached or did not answer in time. */
export class StoreUnavailableError extends LingpaiError<'STORE_UNAVAILABLE'> {
  constructor(message: string, options: LingpaiErrorOptions = {}) {
    super('STORE_UNAVAILABLE', message, { retryable: true, ...options });
  }
}

/** A store method was called with an invalid argument (empty key, non-positive TTL). */
export class StoreArgumentError extends LingpaiError<'STORE_INVALID_ARGUMENT'> {
  constructor(message: string) {
    super('STORE_INVALID_ARGUMENT', message);
  }
}

/**
 * The stored value cannot take the operation: `increment` on a key holding something that is not a
 * whole number (Redis INCRBY's rule), or a count that would leave the range a JS number holds exactly.
 * Not retryable: the same call fails again until the key is rewritten or expires.
 */
export class StoreValueError extends LingpaiError<'STORE_INVALID_VALUE'> {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('STORE_INVALID_VALUE', message, options);
  }
}

/**
 * A bounded store is full of live entries and refused to add a key rather than evict one. Evicting
 * would let whoever fills the store erase someone else's nonce, replay marker or rate-limit counter;
 * refusing makes every guard built on the store fail closed. Writes to keys already present still
 * succeed. Retryable: entries expire and free room.
 */
export class StoreFullError extends LingpaiError<'STORE_FULL'> {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('STORE_FULL', message, { ...options, retryable: true });
  }
}

/** Validates a TTL in milliseconds; shared by every store implementation. */
export function assertTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new StoreArgumentError(`TTL must be a positive integer of milliseconds, got ${String(ttlMs)}`);
  }
}

/** Validates a key; shared by every store implementation. */
export function assertKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new StoreArgumentError('Store key must be a non-empty string');
  }
}
