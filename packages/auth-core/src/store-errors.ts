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
