/**
 * Why a token is being fetched upstream; passed to `fetchToken` and carried on events.
 * - `miss`: no token anywhere (first use, or evicted).
 * - `expired`: the last known token has expired.
 * - `refresh`: early refresh inside the refresh margin; the old token is still valid and still served.
 * - `invalidated`: the platform rejected the cached token and `invalidate()` removed it.
 */
export type TokenFetchReason = 'miss' | 'expired' | 'refresh' | 'invalidated';

/** Where the failing step of an `error` event happened. */
export type TokenCacheErrorStage = 'fetch' | 'store-read' | 'store-write' | 'lock';

/**
 * Everything a `TokenCache` reports through `onEvent`. Count `fetch` events to see upstream quota
 * use: one is emitted per upstream call, successful or not, with its duration.
 */
export type TokenCacheEvent =
  /** A token was served without an upstream fetch: from this process (`memory`) or the shared store. */
  | { type: 'hit'; key: string; source: 'memory' | 'store' }
  /** A caller has to wait: no valid token in this process. A store read (and maybe a fetch) follows. */
  | { type: 'miss'; key: string; reason: Exclude<TokenFetchReason, 'refresh'> }
  /** An early refresh started in the background; callers keep getting the still-valid token. */
  | { type: 'refresh'; key: string; expiresAt: number }
  /** One upstream `fetchToken` call finished (`ok: false` includes timeouts and invalid responses). */
  | {
      type: 'fetch';
      key: string;
      reason: TokenFetchReason;
      attempt: number;
      ok: boolean;
      durationMs: number;
      error?: unknown;
    }
  /** A fetched token was not stored because the store already held a newer one (which is served). */
  | { type: 'conflict'; key: string }
  /** Lock outcome when a shared lock is used: acquired it, adopted another process's token, or gave up. */
  | {
      type: 'lock';
      key: string;
      outcome: 'acquired' | 'adopted' | 'timeout';
      waitedMs: number;
      polls: number;
    }
  /** `invalidate(token)` ran; `deleted` tells whether the shared store still held that token. */
  | { type: 'invalidate'; key: string; deleted: boolean }
  /**
   * A load, refresh or store step failed. `served: 'stale'` means callers kept the still-valid token
   * (background refresh failed, or the store could not be read or written), `'none'` means the error
   * reached the callers.
   */
  | {
      type: 'error';
      key: string;
      stage: TokenCacheErrorStage;
      reason: TokenFetchReason | 'check';
      error: unknown;
      durationMs: number;
      served: 'stale' | 'none';
    };
