import { LingpaiError, type LingpaiErrorOptions } from './errors.js';

/** Every code a `TokenCache` throws itself (store errors pass through as `STORE_UNAVAILABLE`). */
export const TOKEN_CACHE_ERROR_CODES = {
  /** Every attempt to fetch a token upstream failed; `cause` is the last failure. */
  fetchFailed: 'TOKEN_FETCH_FAILED',
  /** `fetchToken` resolved to something that is not a usable token (empty, bad `expiresIn`). */
  invalidResponse: 'TOKEN_INVALID_RESPONSE',
  /** One `fetchToken` call did not settle within `fetchTimeoutMs` (seen as the `cause` of a fetch failure). */
  fetchTimeout: 'TOKEN_FETCH_TIMEOUT',
  /** Another process held the refresh lock for longer than `lockWaitMs` and stored no token meanwhile. */
  lockTimeout: 'TOKEN_LOCK_TIMEOUT',
} as const;

export type TokenCacheErrorCode = (typeof TOKEN_CACHE_ERROR_CODES)[keyof typeof TOKEN_CACHE_ERROR_CODES];

export interface TokenCacheErrorOptions extends LingpaiErrorOptions {
  /** How many upstream fetches were made before giving up (for `TOKEN_FETCH_FAILED`). */
  attempts?: number;
}

/** An error thrown by `TokenCache`. Never cached: the next `get()` tries again. */
export class TokenCacheError extends LingpaiError<TokenCacheErrorCode> {
  /** The cache `key` (credential identity) the error is about. */
  readonly key: string;
  /** Upstream fetches made before giving up; 0 when no fetch was made. */
  readonly attempts: number;

  constructor(code: TokenCacheErrorCode, key: string, message: string, options: TokenCacheErrorOptions = {}) {
    super(code, message, options);
    this.key = key;
    this.attempts = options.attempts ?? 0;
  }
}
