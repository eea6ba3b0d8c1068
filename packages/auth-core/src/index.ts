// Basics: errors, time, randomness, HTTP.
export { createManualClock, systemClock } from './clock.js';
export type { Clock, ManualClock } from './clock.js';
export { isLingpaiError, LingpaiError } from './errors.js';
export type { LingpaiErrorOptions } from './errors.js';
export { HttpError, httpRequest, isRetryableStatus, parseJsonBody, requestJson } from './http-client.js';
export type { FetchLike, HttpErrorCode, HttpErrorOptions, HttpRequest, HttpResponse } from './http-client.js';
export { hexNonce, secureRandomBytes, uuidNonce } from './random.js';
export type { NonceSource, RandomBytes } from './random.js';

// Stores.
export { MemoryStore } from './memory-store.js';
export type { MemoryStoreOptions } from './memory-store.js';
export type { CounterStore, KeyValueStore, Lock, LockStore, SharedStore } from './store.js';
export { assertKey, assertTtl, StoreArgumentError, StoreUnavailableError } from './store-errors.js';

// Signing.

// Token cache.
