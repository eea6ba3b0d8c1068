import { createHash } from 'node:crypto';
import {
  type KeyValueStore,
  type LockStore,
  TokenCache,
  TokenCacheError,
  type TokenCacheEvent,
  type TokenCacheRetryOptions,
  type TokenEntry,
  type TokenFetchContext,
} from '@lingpai/auth-core';
import { OAuthError } from './errors.js';
import { createTransport, type Transport, type TransportOptions } from './internal/transport.js';
import type { ProviderId } from './profile.js';

/** Options every app-level token client takes (on top of its credentials). */
export interface AppTokenOptions extends TransportOptions {
  /**
   * Where tokens live. Default: a private in-memory store (one process). Pass `RedisStore` from
   * `@lingpai/redis` so N processes make one upstream fetch and never fight over the token.
   */
  store?: KeyValueStore;
  /** Refresh lock; defaults to `store` when it is also a `LockStore`. `false` turns locking off. */
  lock?: LockStore | false;
  /** Refresh this long before expiry. Default: the platform's value (see the README). */
  refreshMarginMs?: number;
  refreshJitterMs?: number;
  retry?: TokenCacheRetryOptions;
  /** Prefix of store keys. Default `lingpai:token:`. */
  keyPrefix?: string;
  /** Every cache event (count `fetch` events: daily quotas are how app tokens fail). */
  onEvent?: (event: TokenCacheEvent) => void;
  /** Decides whether an error from your call means "token invalid". Default: the platform's codes. */
  isTokenInvalid?: (error: unknown) => boolean;
}

/**
 * A short, non-reversible fingerprint of a secret for cache keys: a test app and a production app
 * (or a rotated secret) never share a cached token, and the secret never appears in the store.
 */
export function secretFingerprint(secret: string): string {
  return createHash('sha256').update(`lingpai-app-token\0${secret}`).digest('hex').slice(0, 16);
}

export interface AppTokenDefinition {
  provider: ProviderId;
  /** e.g. `stable`, `token`, `tenant`, `app`, `client`, `corp`. */
  kind: string;
  appId: string;
  secret: string;
  /** Extra key parts (corp id, agent id, tenant). */
  scope?: string[];
  refreshMarginMs: number;
  /** The platform's "this token is invalid" codes (`OAuthError.platformCode`). */
  invalidCodes: readonly (number | string)[];
}

/**
 * The shared machinery of app-level tokens: the auth-core `TokenCache` with the platform's margin,
 * and `withAppToken`, which invalidates exactly the rejected token (compare-and-delete) and retries
 * once when the platform says the token is invalid.
 */
export abstract class AppToken {
  readonly cache: TokenCache;
  readonly provider: ProviderId;
  protected readonly transport: Transport;
  readonly #invalidCodes: ReadonlySet<string>;
  readonly #isTokenInvalid: ((error: unknown) => boolean) | undefined;

  protected constructor(definition: AppTokenDefinition, options: AppTokenOptions) {
    this.provider = definition.provider;
    this.transport = createTransport(options);
    this.#invalidCodes = new Set(definition.invalidCodes.map(String));
    this.#isTokenInvalid = options.isTokenInvalid;
    const key = [
      definition.provider,
      definition.kind,
      definition.appId,
      ...(definition.scope ?? []),
      secretFingerprint(definition.secret),
    ].join(':');
    this.cache = new TokenCache({
      key,
      fetchToken: (context) => this.fetchToken(context),
      clock: this.transport.clock,
      random: this.transport.randomBytes,
      refreshMarginMs: options.refreshMarginMs ?? definition.refreshMarginMs,
      ...(options.store === undefined ? {} : { store: options.store }),
      ...(options.lock === undefined ? {} : { lock: options.lock }),
      ...(options.refreshJitterMs === undefined ? {} : { refreshJitterMs: options.refreshJitterMs }),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
      fetchTimeoutMs: this.transport.timeoutMs,
    });
  }

  /** Calls the platform's token endpoint. */
  protected abstract fetchToken(context: TokenFetchContext): Promise<{ token: string; expiresIn: number }>;

  /** The cache key (credential identity): provider, kind, app id, and a fingerprint of the secret. */
  get key(): string {
    return this.cache.key;
  }

  /**
   * The current token (cached, shared, refreshed early). When the platform refused to issue one, the
   * platform's `OAuthError` is thrown (e.g. `OAUTH_CONFIG_ERROR` for a wrong secret) rather than the
   * cache's `TOKEN_FETCH_FAILED` wrapper; lock and store failures keep their auth-core codes.
   */
  get(): Promise<string> {
    return this.cache.get().catch(unwrapFetchFailure);
  }

  getEntry(): Promise<TokenEntry> {
    return this.cache.getEntry().catch(unwrapFetchFailure);
  }

  /** Forgets `token` if it is still the cached one. Prefer `withAppToken`, which does this for you. */
  invalidate(token: string): Promise<boolean> {
    return this.cache.invalidate(token);
  }

  /** True when `error` says the platform rejected the token (its invalid-token codes). */
  isTokenInvalid(error: unknown): boolean {
    if (this.#isTokenInvalid !== undefined) return this.#isTokenInvalid(error);
    if (error instanceof OAuthError) {
      return error.platformCode !== undefined
        ? this.#invalidCodes.has(error.platformCode)
        : error.code === 'OAUTH_INVALID_TOKEN';
    }
    // A caller's own error object that carries the platform's body fields.
    if (error !== null && typeof error === 'object') {
      const fields = error as { errcode?: unknown; code?: unknown };
      for (const value of [fields.errcode, fields.code]) {
        if ((typeof value === 'number' || typeof value === 'string') && this.#invalidCodes.has(String(value)))
          return true;
      }
    }
    return false;
  }

  /**
   * Runs `call` with the current app token. When it fails because the platform rejected the token,
   * that exact token is invalidated (only if still cached: a newer one another server stored is
   * kept) and `call` runs once more with a fresh token. Never loops.
   */
  withAppToken<T>(call: (token: string) => Promise<T>): Promise<T> {
    return this.cache.withToken(call, (error) => this.isTokenInvalid(error)).catch(unwrapFetchFailure);
  }
}

function unwrapFetchFailure(error: unknown): never {
  if (
    error instanceof TokenCacheError &&
    error.code === 'TOKEN_FETCH_FAILED' &&
    error.cause instanceof OAuthError
  ) {
    throw error.cause;
  }
  throw error;
}

/** Upstream answered without a usable token: never cache, surface the body. */
export function missingToken(provider: string, body: unknown, status: number): OAuthError {
  return new OAuthError('OAUTH_BAD_RESPONSE', `${provider}: the token response has no token or lifetime`, {
    provider,
    payload: body,
    status,
  });
}
