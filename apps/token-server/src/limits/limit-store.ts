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

/** Counters in the `limit_counters` table: each change is one atomic upsert. */
export class PostgresLimitStore implements LimitStore {
  readonly #db: Database;
  readonly #clock: Clock;

  constructor(db: Database, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
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
  }

  async delete(key: string): Promise<boolean> {
    const rows = await this.#db.query<{ key: string }>(
      'DELETE FROM limit_counters WHERE key = $1 RETURNING key',
      [key],
    );
    return rows.length > 0;
  }
}
