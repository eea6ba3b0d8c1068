import { type Clock, systemClock } from './clock.js';
import { ConfigError, describeValue } from './config-error.js';
import { isLingpaiError } from './errors.js';
import { MemoryStore } from './memory-store.js';
import { type RandomBytes, secureRandomBytes } from './random.js';
import type { KeyValueStore, Lock, LockStore } from './store.js';
import { TOKEN_CACHE_ERROR_CODES, TokenCacheError } from './token-cache-errors.js';
import type { TokenCacheErrorStage, TokenCacheEvent, TokenFetchReason } from './token-cache-events.js';

/** What `fetchToken` receives: abort when `signal` fires (the cache gave up on this attempt). */
export interface TokenFetchContext {
  signal: AbortSignal;
  reason: TokenFetchReason;
}

/** What `fetchToken` resolves to. `expiresIn` is the remaining lifetime in seconds, as platforms send it. */
export interface FetchedToken {
  token: string;
  expiresIn: number;
}

/** A cached token. `expiresAt` and `fetchedAt` are epoch milliseconds. */
export interface TokenEntry {
  readonly token: string;
  readonly expiresAt: number;
  readonly fetchedAt: number;
}

export interface TokenCacheRetryOptions {
  /** Upstream calls per load, first one included. Default 3. */
  attempts?: number;
  /** First backoff delay; doubles on each retry, with up to half of it random. Default 200 ms. */
  baseDelayMs?: number;
  /** Upper bound of one backoff delay. Default 5,000 ms. */
  maxDelayMs?: number;
}

export interface TokenCacheOptions {
  /** Credential identity, e.g. `wechat:stable:wx123:<sha256(secret)>`. Hash secrets in; never put them raw. */
  key: string;
  /** Calls the platform. Throw on failure; a `LingpaiError` with `retryable: false` is not retried. */
  fetchToken: (context: TokenFetchContext) => Promise<FetchedToken>;
  /** Where tokens live. Default: a private `MemoryStore`. Pass a shared store (Redis) for many processes. */
  store?: KeyValueStore;
  /**
   * Taken before an upstream fetch so that one process fetches for all. Defaults to `store` when a
   * store is given and also implements `LockStore` (MemoryStore, RedisStore); `false` turns locking off.
   */
  lock?: LockStore | false;
  /** Prefix of the store keys. Default `lingpai:token:`. */
  keyPrefix?: string;
  /** Refresh this long before expiry; capped at half the token's lifetime. Default 300,000 ms. */
  refreshMarginMs?: number;
  /** Up to this much extra margin, random per token and process, so processes do not refresh together. Default 30,000 ms. */
  refreshJitterMs?: number;
  /**
   * How long this process trusts its in-memory copy before re-reading the store, which is how it
   * notices that another process invalidated or replaced the token. Default 1,000 ms with a shared
   * store, unlimited with the private default store.
   */
  maxLocalAgeMs?: number;
  retry?: TokenCacheRetryOptions;
  /**
   * Lease of the refresh lock; a crashed holder blocks others at most this long. Default: long enough
   * for a whole load (`attempts` × `fetchTimeoutMs` + backoff + 1 s), at least 15,000 ms.
   */
  lockTtlMs?: number;
  /** How long to wait for another process's fetch before `TOKEN_LOCK_TIMEOUT`. Default: `lockTtlMs`, at least 15,000 ms. */
  lockWaitMs?: number;
  /** Store polling interval while another process holds the lock (plus up to 50% jitter; the last poll ends at `lockWaitMs`). Default 50 ms. */
  lockPollMs?: number;
  /** Bound on one `fetchToken` call; its signal aborts then. Default 5,000 ms. */
  fetchTimeoutMs?: number;
  clock?: Clock;
  random?: RandomBytes;
  /** Called synchronously for every event; exceptions it throws are ignored. */
  onEvent?: (event: TokenCacheEvent) => void;
}

/** Defaults of `TokenCacheOptions`, as named constants (`lockTtlMs` and `lockWaitMs` are floors; see the options). */
export const TOKEN_CACHE_DEFAULTS = {
  keyPrefix: 'lingpai:token:',
  refreshMarginMs: 300_000,
  refreshJitterMs: 30_000,
  sharedMaxLocalAgeMs: 1_000,
  attempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  lockTtlMs: 15_000,
  lockWaitMs: 15_000,
  lockPollMs: 50,
  fetchTimeoutMs: 5_000,
} as const;

/** The in-process copy of the stored entry, with the times this process acts on precomputed. */
interface LocalEntry {
  readonly entry: TokenEntry;
  /** The stored string, byte for byte: the expected value of the next compare-and-set. */
  readonly raw: string;
  readonly refreshAt: number;
  /** `get()` answers from memory, without any check, while `now < fastUntil`. */
  fastUntil: number;
}

/** 'load': no valid token here; 'check': re-read the store after `maxLocalAgeMs`; 'refresh': early refresh. */
type SyncMode = 'load' | 'check' | 'refresh';

type AcquireResult = { lock: Lock; raw: string | undefined } | { adopted: LocalEntry };

/** Room in the lease for the store round trips around the fetches (re-read, compare-and-set). */
const LEASE_SLACK_MS = 1_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A cache for one platform credential's app-level token (WeChat access_token, Lark
 * tenant_access_token, ...). See the package README for the full behaviour; in short:
 *
 * - concurrent callers in one process share one load (single flight);
 * - inside the refresh margin, callers get the still-valid token at once while one background
 *   refresh runs (per process; across processes the lock makes it one upstream fetch);
 * - with a shared store and lock: lock, re-read, fetch, compare-and-set (a slow fetch never
 *   overwrites a newer token), release by compare-and-delete; waiters poll the store;
 * - failures and invalid responses are never cached.
 */
export class TokenCache {
  readonly key: string;
  readonly storeKey: string;
  readonly lockKey: string;

  readonly #fetchToken: TokenCacheOptions['fetchToken'];
  readonly #store: KeyValueStore;
  readonly #lock: LockStore | undefined;
  readonly #clock: Clock;
  readonly #random: RandomBytes;
  readonly #onEvent: ((event: TokenCacheEvent) => void) | undefined;
  readonly #marginMs: number;
  readonly #jitterMs: number;
  readonly #maxLocalAgeMs: number;
  readonly #attempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #lockTtlMs: number;
  readonly #lockWaitMs: number;
  readonly #lockPollMs: number;
  readonly #fetchTimeoutMs: number;

  #local: LocalEntry | undefined;
  #inflight: Promise<LocalEntry> | undefined;
  /** A token the platform rejected: never adopted again from the store. */
  #rejected: string | undefined;
  /** After a failed background refresh, the next one waits until then. */
  #refreshBlockedUntil = 0;

  constructor(options: TokenCacheOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new ConfigError(
        'options',
        `TokenCache: the options are ${describeValue(options)} — pass { key, fetchToken }`,
      );
    }
    if (typeof options.key !== 'string' || options.key.length === 0) {
      throw new ConfigError(
        'key',
        `TokenCache: \`key\` is ${describeValue(options.key)} — pass the credential's identity, e.g. \`wechat:stable:\${appId}:\${sha256(secret).slice(0, 16)}\``,
      );
    }
    if (typeof options.fetchToken !== 'function') {
      throw new ConfigError(
        'fetchToken',
        `TokenCache: \`fetchToken\` is ${describeValue(options.fetchToken)} — pass ({ signal }) => Promise<{ token, expiresIn }> that calls the platform`,
      );
    }
    if (options.store !== undefined && !isKeyValueStore(options.store)) {
      throw new ConfigError(
        'store',
        'TokenCache: `store` needs get, compareAndSet and compareAndDelete — pass a MemoryStore or RedisStore, or leave it out for one process',
      );
    }
    if (options.lock !== undefined && options.lock !== false && !isLockStore(options.lock)) {
      throw new ConfigError(
        'lock',
        'TokenCache: `lock` needs tryAcquire — pass a LockStore, or false for none',
      );
    }
    const defaults = TOKEN_CACHE_DEFAULTS;
    this.key = options.key;
    this.storeKey = (options.keyPrefix ?? defaults.keyPrefix) + options.key;
    this.lockKey = `${this.storeKey}:lock`;
    this.#fetchToken = options.fetchToken;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? secureRandomBytes;
    this.#onEvent = options.onEvent;
    const shared = options.store !== undefined;
    const store = options.store ?? new MemoryStore({ clock: this.#clock });
    this.#store = store;
    // The private default store is this process's alone: single flight already makes one fetch.
    this.#lock =
      options.lock === false
        ? undefined
        : (options.lock ?? (shared && isLockStore(store) ? store : undefined));
    this.#marginMs = ms('refreshMarginMs', options.refreshMarginMs, defaults.refreshMarginMs, 0);
    this.#jitterMs = ms('refreshJitterMs', options.refreshJitterMs, defaults.refreshJitterMs, 0);
    this.#maxLocalAgeMs = ms(
      'maxLocalAgeMs',
      options.maxLocalAgeMs,
      shared ? defaults.sharedMaxLocalAgeMs : Number.POSITIVE_INFINITY,
      0,
    );
    this.#attempts = ms(
      'retry.attempts',
      options.retry?.attempts,
      defaults.attempts,
      1,
      Number.MAX_SAFE_INTEGER,
    );
    this.#baseDelayMs = ms('retry.baseDelayMs', options.retry?.baseDelayMs, defaults.baseDelayMs, 0);
    this.#maxDelayMs = ms(
      'retry.maxDelayMs',
      options.retry?.maxDelayMs,
      defaults.maxDelayMs,
      0,
      MAX_TIMER_MS,
    );
    this.#lockPollMs = ms('lockPollMs', options.lockPollMs, defaults.lockPollMs, 1, MAX_TIMER_MS);
    this.#fetchTimeoutMs = ms(
      'fetchTimeoutMs',
      options.fetchTimeoutMs,
      defaults.fetchTimeoutMs,
      1,
      MAX_TIMER_MS,
    );
    // The lease must outlast a whole load, retries included, or a second process takes the lock and
    // fetches too (on WeChat cgi-bin/token that invalidates the first token); waiters wait as long.
    const leaseMs = Math.max(defaults.lockTtlMs, this.#loadBudgetMs() + LEASE_SLACK_MS);
    this.#lockTtlMs = Math.ceil(ms('lockTtlMs', options.lockTtlMs, leaseMs, 1, MAX_TIMER_MS));
    this.#lockWaitMs = ms(
      'lockWaitMs',
      options.lockWaitMs,
      Math.max(defaults.lockWaitMs, this.#lockTtlMs),
      0,
    );
  }

  /** The current token. A hit in memory is one clock read and one comparison. */
  get(): Promise<string> {
    const local = this.#local;
    if (local !== undefined && this.#clock.now() < local.fastUntil) {
      if (this.#onEvent !== undefined) this.#emit({ type: 'hit', key: this.key, source: 'memory' });
      return Promise.resolve(local.entry.token);
    }
    return this.#slowGet().then(tokenOf);
  }

  /** The current token with its expiry and fetch time. */
  getEntry(): Promise<TokenEntry> {
    const local = this.#local;
    if (local !== undefined && this.#clock.now() < local.fastUntil) {
      if (this.#onEvent !== undefined) this.#emit({ type: 'hit', key: this.key, source: 'memory' });
      return Promise.resolve(local.entry);
    }
    return this.#slowGet();
  }

  /**
   * Forgets `token` because the platform rejected it. The shared copy is deleted only if it is still
   * `token` (compare-and-delete), so a newer token another process stored is kept. Returns true when
   * this call deleted the stored copy. Store failures are reported as an `error` event, not thrown:
   * this process stops using `token` either way.
   */
  async invalidate(token: string): Promise<boolean> {
    this.#rejected = token;
    if (this.#local?.entry.token === token) this.#local = undefined;
    let deleted = false;
    const started = this.#clock.now();
    try {
      const raw = await this.#store.get(this.storeKey);
      if (raw !== undefined && decodeEntry(raw)?.token === token) {
        deleted = await this.#store.compareAndDelete(this.storeKey, raw);
      }
    } catch (error) {
      this.#emitError('store-write', 'invalidated', error, started, true);
    }
    this.#emit({ type: 'invalidate', key: this.key, deleted });
    return deleted;
  }

  /**
   * Runs `call` with the current token. If it fails and `isTokenInvalid(error)` says the platform
   * rejected the token, invalidates exactly that token and runs `call` once more with a fresh one;
   * a second failure is thrown as is (no loops that burn the daily quota).
   */
  async withToken<T>(
    call: (token: string) => Promise<T>,
    isTokenInvalid: (error: unknown) => boolean,
  ): Promise<T> {
    const token = await this.get();
    try {
      return await call(token);
    } catch (error) {
      if (!isTokenInvalid(error)) throw error;
      await this.invalidate(token);
      return call(await this.get());
    }
  }

  async #slowGet(): Promise<TokenEntry> {
    const now = this.#clock.now();
    const local = this.#local;
    if (local !== undefined && now < local.entry.expiresAt) {
      if (now >= local.refreshAt) {
        // Still valid: serve it and let one refresh run behind the callers' backs.
        this.#startRefresh(now, local);
        this.#emit({ type: 'hit', key: this.key, source: 'memory' });
        return local.entry;
      }
      return (await this.#sync('check')).entry;
    }
    let inflight = this.#inflight;
    if (inflight === undefined) {
      const reason = this.#rejected !== undefined ? 'invalidated' : local === undefined ? 'miss' : 'expired';
      this.#emit({ type: 'miss', key: this.key, reason });
      inflight = this.#sync('load');
    }
    const loaded = await inflight;
    const after = this.#clock.now();
    // A token adopted from the store may already be inside its margin: refresh it in the background.
    if (after >= loaded.refreshAt && after < loaded.entry.expiresAt) this.#startRefresh(after, loaded);
    return loaded.entry;
  }

  #startRefresh(now: number, local: LocalEntry): void {
    if (this.#inflight !== undefined || now < this.#refreshBlockedUntil) return;
    this.#emit({ type: 'refresh', key: this.key, expiresAt: local.entry.expiresAt });
    this.#sync('refresh').catch(() => {
      // Already reported as an `error` event; wait a little before the next background attempt.
      this.#refreshBlockedUntil = this.#clock.now() + Math.max(this.#maxDelayMs, this.#lockPollMs);
    });
  }

  /** Single flight: every caller in this process shares the one sync in progress. */
  #sync(mode: SyncMode): Promise<LocalEntry> {
    const existing = this.#inflight;
    if (existing !== undefined) return existing;
    const run = this.#runSync(mode).finally(() => {
      if (this.#inflight === run) this.#inflight = undefined;
    });
    this.#inflight = run;
    return run;
  }

  async #runSync(mode: SyncMode): Promise<LocalEntry> {
    const started = this.#clock.now();
    const before = this.#local;
    let raw: string | undefined;
    try {
      raw = await this.#store.get(this.storeKey);
    } catch (error) {
      return this.#serveStaleOr(error, 'store-read', mode, started, before);
    }
    const found = raw === undefined ? undefined : decodeEntry(raw);
    if (raw !== undefined && found !== undefined && this.#acceptable(mode, raw, found, before)) {
      this.#emit({ type: 'hit', key: this.key, source: 'store' });
      return this.#adopt(raw, found);
    }

    const reason: TokenFetchReason =
      mode === 'refresh'
        ? 'refresh'
        : this.#rejected !== undefined || (mode === 'check' && found === undefined)
          ? 'invalidated' // in 'check' mode an empty store means another process removed the token
          : found !== undefined || before !== undefined
            ? 'expired'
            : 'miss';
    let lock: Lock | undefined;
    let seen = raw;
    if (this.#lock !== undefined) {
      let acquired: AcquireResult;
      try {
        acquired = await this.#acquire(this.#lock, mode, before, started);
      } catch (error) {
        const stage: TokenCacheErrorStage = isLingpaiError(error, TOKEN_CACHE_ERROR_CODES.lockTimeout)
          ? 'lock'
          : 'store-read';
        return this.#serveStaleOr(error, stage, mode, started, before);
      }
      if ('adopted' in acquired) return acquired.adopted;
      lock = acquired.lock;
      seen = acquired.raw;
    }

    try {
      let entry: TokenEntry;
      try {
        entry = await this.#fetchWithRetry(reason);
      } catch (error) {
        return this.#serveStaleOr(error, 'fetch', mode, started, before);
      }
      return await this.#write(entry, seen, reason, started);
    } finally {
      if (lock !== undefined) {
        // Compare-and-delete on the lock token: an expired lease taken over by another process stays theirs.
        await lock.release().catch((error: unknown) => this.#emitError('lock', reason, error, started, true));
      }
    }
  }

  /** Stores a fetched token unless a newer one was stored meanwhile; never fails the caller over the store. */
  async #write(
    entry: TokenEntry,
    seen: string | undefined,
    reason: TokenFetchReason,
    started: number,
  ): Promise<LocalEntry> {
    const raw = encodeEntry(entry);
    const ttlMs = Math.max(1, Math.ceil(entry.expiresAt - this.#clock.now()));
    try {
      let expected = seen;
      // Second try: the value changed since we looked but nothing usable replaced it (the token we
      // refreshed was invalidated, or expired): ours goes in, or every other process fetches again.
      for (let tries = 0; tries < 2; tries += 1) {
        if (await this.#store.compareAndSet(this.storeKey, expected, raw, ttlMs))
          return this.#adopt(raw, entry);
        const current = await this.#store.get(this.storeKey);
        const currentEntry = current === undefined ? undefined : decodeEntry(current);
        if (
          current !== undefined &&
          currentEntry !== undefined &&
          this.#usable(currentEntry, this.#clock.now())
        ) {
          // Someone stored a token after we looked (our lease ran out during a slow fetch): theirs is newer.
          this.#emit({ type: 'conflict', key: this.key });
          return this.#adopt(current, currentEntry);
        }
        expected = current;
      }
    } catch (error) {
      // Keep the token we paid for (silenceper/wechat PR #762): failing here would just fetch again.
      this.#emitError('store-write', reason, error, started, true);
    }
    return this.#adopt(raw, entry);
  }

  /** Takes the lock, or adopts the token another process stores while it holds the lock. */
  async #acquire(
    lockStore: LockStore,
    mode: SyncMode,
    before: LocalEntry | undefined,
    started: number,
  ): Promise<AcquireResult> {
    const waitStart = this.#clock.now();
    // Time waited is the larger of what the timers slept and what the clock says: the first keeps a
    // clock that stands still (tests) from waiting forever, the second counts slow store calls.
    let slept = 0;
    for (let polls = 0; ; polls += 1) {
      const lock = await lockStore.tryAcquire(this.lockKey, this.#lockTtlMs);
      if (lock !== undefined) {
        let raw: string | undefined;
        try {
          // Re-read under the lock: another process may have fetched between our read and our lock.
          raw = await this.#store.get(this.storeKey);
        } catch (error) {
          await lock.release().catch(() => false);
          throw error;
        }
        const found = raw === undefined ? undefined : decodeEntry(raw);
        const waitedMs = this.#clock.now() - started;
        if (raw !== undefined && found !== undefined && this.#acceptable(mode, raw, found, before)) {
          await lock.release().catch(() => false);
          this.#emit({ type: 'lock', key: this.key, outcome: 'adopted', waitedMs, polls });
          return { adopted: this.#adopt(raw, found) };
        }
        this.#emit({ type: 'lock', key: this.key, outcome: 'acquired', waitedMs, polls });
        return { lock, raw };
      }
      const leftMs = this.#lockWaitMs - Math.max(slept, this.#clock.now() - waitStart);
      if (leftMs <= 0) {
        const waitedMs = this.#clock.now() - started;
        this.#emit({ type: 'lock', key: this.key, outcome: 'timeout', waitedMs, polls });
        throw new TokenCacheError(
          TOKEN_CACHE_ERROR_CODES.lockTimeout,
          this.key,
          `Another process held the token lock "${this.lockKey}" for more than ${this.#lockWaitMs} ms without storing a token`,
          { retryable: true },
        );
      }
      // Jitter spreads the waiters' polls; the last one is clipped so the wait ends at lockWaitMs.
      const pauseMs = Math.min(Math.round(this.#lockPollMs * (1 + this.#fraction() / 2)), leftMs);
      await sleep(pauseMs);
      slept += pauseMs;
      const raw = await this.#store.get(this.storeKey);
      const found = raw === undefined ? undefined : decodeEntry(raw);
      if (raw !== undefined && found !== undefined && this.#acceptable(mode, raw, found, before)) {
        const waitedMs = this.#clock.now() - started;
        this.#emit({ type: 'lock', key: this.key, outcome: 'adopted', waitedMs, polls: polls + 1 });
        return { adopted: this.#adopt(raw, found) };
      }
    }
  }

  async #fetchWithRetry(reason: TokenFetchReason): Promise<TokenEntry> {
    let lastError: unknown;
    let attempt = 0;
    while (attempt < this.#attempts) {
      attempt += 1;
      const started = this.#clock.now();
      try {
        const result = await this.#fetchOnce(reason);
        const entry = this.#validate(result, started, attempt);
        this.#emitFetch(reason, attempt, true, started);
        return entry;
      } catch (error) {
        this.#emitFetch(reason, attempt, false, started, error);
        if (isLingpaiError(error, TOKEN_CACHE_ERROR_CODES.invalidResponse)) throw error;
        lastError = error;
        if (isLingpaiError(error) && !error.retryable) break;
        if (attempt < this.#attempts) await sleep(this.#backoff(attempt));
      }
    }
    throw new TokenCacheError(
      TOKEN_CACHE_ERROR_CODES.fetchFailed,
      this.key,
      `Fetching the token for "${this.key}" failed after ${attempt} attempt${attempt === 1 ? '' : 's'}`,
      { cause: lastError, retryable: !isLingpaiError(lastError) || lastError.retryable, attempts: attempt },
    );
  }

  /** One upstream call, bounded by `fetchTimeoutMs` even if `fetchToken` ignores its signal. */
  async #fetchOnce(reason: TokenFetchReason): Promise<unknown> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new TokenCacheError(
          TOKEN_CACHE_ERROR_CODES.fetchTimeout,
          this.key,
          `fetchToken did not settle within ${this.#fetchTimeoutMs} ms`,
          { retryable: true },
        );
        controller.abort(error);
        reject(error);
      }, this.#fetchTimeoutMs);
    });
    try {
      const call = Promise.resolve().then(() => this.#fetchToken({ signal: controller.signal, reason }));
      return await Promise.race([call, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #validate(result: unknown, started: number, attempt: number): TokenEntry {
    const token = isRecord(result) ? result.token : undefined;
    const expiresIn = isRecord(result) ? result.expiresIn : undefined;
    if (typeof token !== 'string' || token.length === 0) {
      throw new TokenCacheError(
        TOKEN_CACHE_ERROR_CODES.invalidResponse,
        this.key,
        'fetchToken returned an empty or missing token',
        { attempts: attempt },
      );
    }
    if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw new TokenCacheError(
        TOKEN_CACHE_ERROR_CODES.invalidResponse,
        this.key,
        `fetchToken returned expiresIn=${String(expiresIn)}; it must be a positive number of seconds`,
        { attempts: attempt },
      );
    }
    // Count the lifetime from when we asked, not when the answer arrived: errs on the early side.
    return Object.freeze({ token, expiresAt: started + expiresIn * 1000, fetchedAt: this.#clock.now() });
  }

  /** When a load fails but this process still has a valid token, keep serving it (stale-if-error). */
  #serveStaleOr(
    error: unknown,
    stage: TokenCacheErrorStage,
    mode: SyncMode,
    started: number,
    before: LocalEntry | undefined,
  ): LocalEntry {
    const now = this.#clock.now();
    const reason = mode === 'check' ? 'check' : mode === 'refresh' ? 'refresh' : this.#loadReason(before);
    if (
      mode !== 'load' &&
      before !== undefined &&
      this.#local === before &&
      this.#usable(before.entry, now)
    ) {
      this.#emitError(stage, reason, error, started, true);
      if (mode === 'check') before.fastUntil = Math.min(before.refreshAt, now + this.#maxLocalAgeMs);
      if (mode === 'refresh') throw error;
      return before;
    }
    this.#emitError(stage, reason, error, started, false);
    throw error;
  }

  #loadReason(before: LocalEntry | undefined): Exclude<TokenFetchReason, 'refresh'> {
    return this.#rejected !== undefined ? 'invalidated' : before === undefined ? 'miss' : 'expired';
  }

  #acceptable(mode: SyncMode, raw: string, found: TokenEntry, before: LocalEntry | undefined): boolean {
    const now = this.#clock.now();
    if (!this.#usable(found, now)) return false;
    if (mode !== 'refresh') return true;
    // Refreshing: only a different entry that is not itself due for refresh will do.
    return raw !== before?.raw && now < this.#refreshAt(found, 0);
  }

  #usable(entry: TokenEntry, now: number): boolean {
    return now < entry.expiresAt && entry.token !== this.#rejected;
  }

  #adopt(raw: string, entry: TokenEntry): LocalEntry {
    const now = this.#clock.now();
    const current = this.#local;
    if (current !== undefined && current.raw === raw) {
      current.fastUntil = Math.min(current.refreshAt, now + this.#maxLocalAgeMs);
      return current;
    }
    const refreshAt = this.#refreshAt(entry, this.#fraction());
    const local: LocalEntry = {
      entry,
      raw,
      refreshAt,
      fastUntil: Math.min(refreshAt, now + this.#maxLocalAgeMs),
    };
    this.#local = local;
    if (entry.token !== this.#rejected) this.#rejected = undefined;
    return local;
  }

  /** Margin = fixed + random jitter, capped at half the lifetime so short-lived tokens are not refreshed in a loop. */
  #refreshAt(entry: TokenEntry, fraction: number): number {
    const lifetime = entry.expiresAt - entry.fetchedAt;
    return entry.expiresAt - Math.min(this.#marginMs + fraction * this.#jitterMs, lifetime / 2);
  }

  /** Longest a load's upstream part can take: every attempt timing out, with the longest backoffs. */
  #loadBudgetMs(): number {
    let total = this.#attempts * this.#fetchTimeoutMs;
    for (let attempt = 1; attempt < this.#attempts; attempt += 1) {
      total += Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
    }
    return total;
  }

  #backoff(attempt: number): number {
    const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
    return ceiling / 2 + (ceiling / 2) * this.#fraction();
  }

  /** A uniform number in [0, 1) from the injected random source. */
  #fraction(): number {
    const bytes = this.#random(4);
    const word = ((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0);
    return (word >>> 0) / 2 ** 32;
  }

  #emitFetch(reason: TokenFetchReason, attempt: number, ok: boolean, started: number, error?: unknown): void {
    const durationMs = this.#clock.now() - started;
    this.#emit(
      ok
        ? { type: 'fetch', key: this.key, reason, attempt, ok, durationMs }
        : { type: 'fetch', key: this.key, reason, attempt, ok, durationMs, error },
    );
  }

  #emitError(
    stage: TokenCacheErrorStage,
    reason: TokenFetchReason | 'check',
    error: unknown,
    started: number,
    recovered: boolean,
  ): void {
    const durationMs = this.#clock.now() - started;
    this.#emit({
      type: 'error',
      key: this.key,
      stage,
      reason,
      error,
      durationMs,
      served: recovered ? 'stale' : 'none',
    });
  }

  #emit(event: TokenCacheEvent): void {
    const listener = this.#onEvent;
    if (listener === undefined) return;
    try {
      listener(event);
    } catch {
      // A metrics hook must never break token delivery.
    }
  }
}

/** The stored form: JSON, so every backend holds the same bytes and other languages can read it. */
function encodeEntry(entry: TokenEntry): string {
  return JSON.stringify({ token: entry.token, expiresAt: entry.expiresAt, fetchedAt: entry.fetchedAt });
}

/** Parses a stored entry; anything malformed counts as absent (and is replaced by the next write). */
function decodeEntry(raw: string): TokenEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const { token, expiresAt, fetchedAt } = value;
  if (typeof token !== 'string' || token.length === 0) return undefined;
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return undefined;
  if (typeof fetchedAt !== 'number' || !Number.isFinite(fetchedAt)) return undefined;
  return Object.freeze({ token, expiresAt, fetchedAt });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isKeyValueStore(store: unknown): store is KeyValueStore {
  if (typeof store !== 'object' || store === null) return false;
  const methods = store as Partial<Record<keyof KeyValueStore, unknown>>;
  return (
    typeof methods.get === 'function' &&
    typeof methods.compareAndSet === 'function' &&
    typeof methods.compareAndDelete === 'function'
  );
}

function isLockStore(store: unknown): store is LockStore {
  if (typeof store !== 'object' || store === null) return false;
  return typeof (store as Partial<LockStore>).tryAcquire === 'function';
}

function tokenOf(entry: TokenEntry): string {
  return entry.token;
}

/** setTimeout turns a longer delay into 1 ms, which would time every fetch out at once. */
const MAX_TIMER_MS = 2_147_483_647;

function ms(name: string, value: number | undefined, fallback: number, min: number, max = Infinity): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    throw new ConfigError(
      name,
      `TokenCache: \`${name}\` must be a number >= ${min}${max === Infinity ? '' : ` and <= ${max}`}, got ${describeValue(value)}`,
    );
  }
  return value;
}
