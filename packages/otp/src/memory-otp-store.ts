import { StoreUnavailableError } from '@lingpai/auth-core';
import { OtpKeys } from './internal/keys.js';
import type {
  AttemptInput,
  AttemptResult,
  CancelVerificationInput,
  CreateVerificationInput,
  CreateVerificationResult,
  OtpStore,
} from './otp-store.js';

interface StoredRecord {
  codeHash: string;
  maxAttempts: number;
  expiresAt: number;
  latestKey: string;
  data: string;
  attempts: number;
  used: boolean;
  dropAt: number;
}

interface Pointer {
  value: string;
  dropAt: number;
}

interface Window {
  count: number;
  resetAt: number;
}

export interface MemoryOtpStoreOptions {
  /**
   * Live entries per kind (records, counters, …). When full even after dropping expired entries, the
   * store refuses new codes with `STORE_UNAVAILABLE` (so the service fails closed) rather than evict a
   * live counter, which would hand an attacker who floods the store a fresh set of caps. Default 100,000.
   */
  maxEntries?: number;
}

/**
 * `OtpStore` in one process. Atomic because each method body runs to completion without awaiting.
 * Entries are dropped when `now` passes their retention, swept on writes.
 */
export class MemoryOtpStore implements OtpStore {
  readonly #records = new Map<string, StoredRecord>();
  readonly #latest = new Map<string, Pointer>();
  readonly #cooldowns = new Map<string, Pointer & { until: number }>();
  readonly #windows = new Map<string, Window>();
  readonly #tokens = new Map<string, Pointer>();
  readonly #maxEntries: number;
  #lastSweep = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryOtpStoreOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  async createVerification(input: CreateVerificationInput): Promise<CreateVerificationResult> {
    const { now, record } = input;
    this.#sweep(now);
    this.#ensureRoom(now, [
      [this.#records, 1],
      [this.#latest, 1],
      [this.#cooldowns, 1],
      [this.#windows, input.limits.length],
    ]);
    let blockedBy = '';
    let retryAfterMs = 0;
    if (input.cooldown !== undefined) {
      const until = this.#cooldowns.get(input.cooldown.key)?.until ?? 0;
      if (until > now) {
        blockedBy = 'cooldown';
        retryAfterMs = until - now;
      }
    }
    for (const limit of input.limits) {
      const window = this.#windows.get(limit.key);
      if (window !== undefined && window.resetAt > now && window.count >= limit.max) {
        if (window.resetAt - now > retryAfterMs) {
          blockedBy = limit.name;
          retryAfterMs = window.resetAt - now;
        }
      }
    }
    if (blockedBy !== '') return { ok: false, blockedBy, retryAfterMs };
    for (const limit of input.limits) {
      const window = this.#windows.get(limit.key);
      if (window === undefined || window.resetAt <= now) {
        this.#put(this.#windows, limit.key, { count: 1, resetAt: now + limit.windowMs });
      } else {
        window.count += 1;
      }
    }
    if (input.cooldown !== undefined) {
      const until = now + input.cooldown.ms;
      this.#put(this.#cooldowns, input.cooldown.key, { value: record.id, until, dropAt: until });
    }
    const dropAt = now + input.retainMs;
    this.#put(this.#records, record.id, {
      codeHash: record.codeHash,
      maxAttempts: record.maxAttempts,
      expiresAt: record.expiresAt,
      latestKey: record.latestKey,
      data: record.data,
      attempts: 0,
      used: false,
      dropAt,
    });
    this.#put(this.#latest, record.latestKey, { value: record.id, dropAt });
    return { ok: true };
  }

  async attempt(input: AttemptInput): Promise<AttemptResult> {
    const { id, now } = input;
    const record = this.#records.get(id);
    if (record === undefined || record.dropAt <= now) return { status: 'not_found' };
    if (record.used) return { status: 'used' };
    if (now >= record.expiresAt) return { status: 'expired' };
    if (this.#latest.get(record.latestKey)?.value !== id) return { status: 'superseded' };
    if (record.attempts >= record.maxAttempts) return { status: 'locked' };
    if (!OtpKeys.hashesEqual(input.codeHash, record.codeHash)) {
      record.attempts += 1;
      return { status: 'wrong', attempts: record.attempts, maxAttempts: record.maxAttempts };
    }
    // Everything that can throw comes before the first change, so a failure leaves the record as it was.
    const token = input.issueToken();
    this.#ensureRoom(now, [[this.#tokens, 1]]);
    record.attempts += 1;
    record.used = true;
    this.#put(this.#tokens, token.key, { value: token.head + record.data, dropAt: now + token.ttlMs });
    return { status: 'verified' };
  }

  async cancelVerification(input: CancelVerificationInput): Promise<void> {
    this.#records.delete(input.id);
    if (this.#latest.get(input.latestKey)?.value === input.id) this.#latest.delete(input.latestKey);
    if (input.cooldownKey !== undefined && this.#cooldowns.get(input.cooldownKey)?.value === input.id) {
      this.#cooldowns.delete(input.cooldownKey);
    }
  }

  async redeemToken(tokenKey: string): Promise<string | undefined> {
    const token = this.#tokens.get(tokenKey);
    this.#tokens.delete(tokenKey);
    return token?.value;
  }

  #put<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
  }

  #ensureRoom(now: number, needs: ReadonlyArray<readonly [Map<string, unknown>, number]>): void {
    const full = () => needs.some(([map, needed]) => map.size + needed > this.#maxEntries);
    if (!full()) return;
    this.#sweep(now, true);
    if (full()) throw new StoreUnavailableError('MemoryOtpStore is full of live entries');
  }

  // Retention is measured on the caller's clock, like expiry; a full sweep at most once a second.
  #sweep(now: number, force = false): void {
    if (!force && now - this.#lastSweep < 1000) return;
    this.#lastSweep = now;
    for (const map of [this.#records, this.#latest, this.#cooldowns, this.#tokens] as Map<
      string,
      { dropAt: number }
    >[]) {
      for (const [key, entry] of map) if (entry.dropAt <= now) map.delete(key);
    }
    for (const [key, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(key);
  }
}
