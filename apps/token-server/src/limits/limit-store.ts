import type { Clock, CounterStore } from '@lingpai/auth-core';
import type { Database } from '../storage/database.js';

/**
 * What limits and lockouts need from a store: a fixed-window counter plus plain keys with a TTL.
 * `MemoryStore` (one process) and `RedisStore` (a fleet) from the packages satisfy it as they are;
 * `PostgresLimitStore` below is the fleet's fallback when there is PostgreSQL but no Redis.
 */
export interface LimitStore extends CounterStore {
  get(key: string): Promise<string | undefined>;
  /** Several keys in one round trip, where the store can (otherwise one `get` each, in parallel). */
  getMany?(keys: readonly string[]): Promise<Array<string | undefined>>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<boolean>;
}

export interface PostgresLimitStoreOptions {
  /** Sweep expired rows after this many writes. Default 1,000. */
  sweepEvery?: number;
  /** Rows one sweep deletes at most. Default 1,000. */
  sweepBatch?: number;
}

/**
 * Counters in the `limit_counters` table: each change is one atomic upsert.
 *
 * Every (username, IP) pair ever tried leaves rows here — one guess with a made-up username costs an
 * attacker nothing and would otherwise cost us a row forever — so expired rows are swept as writes
 * go by: every `sweepEvery` writes, one bounded DELETE in the background (no timer to own, and the
 * table is cleaned in proportion to how fast it is written).
 */
export class PostgresLimitStore implements LimitStore {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #sweepEvery: number;
  readonly #sweepBatch: number;
  #writes = 0;
  #sweeping: Promise<number> | undefined;

  constructor(db: Database, clock: Clock, options: PostgresLimitStoreOptions = {}) {
    this.#db = db;
    this.#clock = clock;
    this.#sweepEvery = options.sweepEvery ?? 1_000;
    this.#sweepBatch = options.sweepBatch ?? 1_000;
  }

  /**
   * Deletes up to `sweepBatch` expired counters; returns how many. The outer `expires_at` check is
   * re-evaluated on a row an upsert refreshed meanwhile, so a counter written again since the
   * inner SELECT saw it expired (a new lockout, say) is kept.
   */
  async sweep(): Promise<number> {
    const now = new Date(this.#clock.now());
    const rows = await this.#db.query<{ key: string }>(
      `DELETE FROM limit_counters WHERE expires_at <= $1 AND key IN (
         SELECT key FROM limit_counters WHERE expires_at <= $1 LIMIT $2)
       RETURNING key`,
      [now, this.#sweepBatch],
    );
    return rows.length;
  }

  #wrote(): void {
    this.#writes++;
    if (this.#writes % this.#sweepEvery !== 0 || this.#sweeping !== undefined) return;
    this.#sweeping = this.sweep()
      .catch(() => 0) // the next sweep retries; a failed one must not fail the request that ran it
      .finally(() => {
        this.#sweeping = undefined;
      });
  }

  async increment(key: string, ttlMs: number, by = 1): Promise<{ count: number; ttlMs: number }> {
    const now = this.#clock.now();
    const rows = await this.#db.query<{ count: number | string | bigint; expires_at: Date }>(
      `INSERT INTO limit_counters (key, count, expires_at) VALUES ($1, $2, $4)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN limit_counters.expires_at <= $3 THEN $2 ELSE limit_counters.count + $2 END,
         expires_at = CASE WHEN limit_counters.expires_at <= $3 THEN $4 ELSE limit_counters.expires_at END
       RETURNING count, expires_at`,
      [key, by, new Date(now), new Date(now + ttlMs)],
    );
    this.#wrote();
    const row = rows[0]!;
    return { count: Number(row.count), ttlMs: Math.max(0, row.expires_at.getTime() - now) };
  }

  async get(key: string): Promise<string | undefined> {
    const rows = await this.#db.query<{ count: number }>(
      'SELECT count FROM limit_counters WHERE key = $1 AND expires_at > $2',
      [key, new Date(this.#clock.now())],
    );
    return rows[0] === undefined ? undefined : String(rows[0].count);
  }

  async getMany(keys: readonly string[]): Promise<Array<string | undefined>> {
    const rows = await this.#db.query<{ key: string; count: number | string | bigint }>(
      'SELECT key, count FROM limit_counters WHERE key = ANY($1::text[]) AND expires_at > $2',
      [keys, new Date(this.#clock.now())],
    );
    const found = new Map(rows.map((row) => [row.key, String(row.count)]));
    return keys.map((key) => found.get(key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const count = Number(value);
    await this.#db.query(
      `INSERT INTO limit_counters (key, count, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET count = EXCLUDED.count, expires_at = EXCLUDED.expires_at`,
      [key, Number.isSafeInteger(count) ? count : 0, new Date(this.#clock.now() + ttlMs)],
    );
    this.#wrote();
  }

  async delete(key: string): Promise<boolean> {
    const rows = await this.#db.query<{ key: string }>(
      'DELETE FROM limit_counters WHERE key = $1 RETURNING key',
      [key],
    );
    return rows.length > 0;
  }
}
