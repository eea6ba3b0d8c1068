import type { Clock } from '@lingpai/auth-core';
import type { Lifetimes } from '../config.js';
import type { Database } from './database.js';

/** Rows one DELETE removes at most, so a sweep never holds long locks or a long PGlite turn. */
const BATCH = 1_000;
const DAY_MS = 86_400_000;

/**
 * Deletes what can no longer matter. Without it storage grows without bound — and some of it on
 * anyone's request (every anonymous `GET /auth/v1/authorize` opens an interaction row). Each rule
 * keeps a row as long as it can still change an answer:
 *
 * - interactions, authorization and device codes: a day past expiry (a reused code is refused as
 *   reuse, and revokes what it issued, for its whole lifetime and a day beyond);
 * - login sessions: once expired, or a day after they were ended;
 * - refresh tokens: once expired (an expired token is refused whether or not its row exists); whole
 *   sessions a day after their absolute cap, or once ended longer ago than an access token lives
 *   (the dead-sid list re-reads that far back);
 * - sealed grace children: as soon as the longest grace window (60 s) has passed;
 * - limit counters: once their window is over;
 * - social login: pending logins a day past expiry, provider tokens once expired;
 * - anonymous users idle for `lifetimes.anonymousIdle` — no sign-in (`last_seen_at`) and no refresh
 *   token issued since — with everything of theirs (ON DELETE CASCADE): anyone may create them;
 * - anonymous hand-offs, sign-up tickets and sudo tokens: once expired.
 *
 * Audit rows are kept: their retention is the operator's policy. Safe on every instance at once.
 */
export class ExpiredRowsSweeper {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #lifetimes: Lifetimes;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(db: Database, clock: Clock, lifetimes: Lifetimes) {
    this.#db = db;
    this.#clock = clock;
    this.#lifetimes = lifetimes;
  }

  start(intervalSeconds: number): void {
    this.#timer = setInterval(() => void this.sweep().catch(() => undefined), intervalSeconds * 1_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  /** One pass over every table; resolves to the number of rows removed. */
  sweep(): Promise<number> {
    this.#running ??= this.#sweep().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #deleteWhere(table: string, where: string, params: unknown[]): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.#db.query<{ n: number }>(
        `WITH gone AS (DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${where} LIMIT ${BATCH}) RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        params,
      );
      const n = rows[0]?.n ?? 0;
      total += n;
      if (n < BATCH) return total;
    }
  }

  async #sweep(): Promise<number> {
    const now = this.#clock.now();
    const at = (ms: number) => new Date(now - ms);
    const accessHorizon = Math.max(this.#lifetimes.accessToken, this.#lifetimes.idToken) * 1_000;
    let removed = 0;
    removed += await this.#deleteWhere('interactions', 'expires_at < $1', [at(DAY_MS)]);
    removed += await this.#deleteWhere('authorization_codes', 'expires_at < $1', [at(DAY_MS)]);
    removed += await this.#deleteWhere('device_codes', 'expires_at < $1', [at(DAY_MS)]);
    removed += await this.#deleteWhere('login_sessions', 'expires_at < $1 OR revoked_at < $2', [
      at(0),
      at(DAY_MS),
    ]);
    removed += await this.#deleteWhere('refresh_families', 'expires_at < $1 OR revoked_at < $2', [
      at(DAY_MS),
      at(accessHorizon + DAY_MS),
    ]);
    removed += await this.#deleteWhere('refresh_tokens', 'expires_at < $1', [at(0)]);
    removed += await this.#deleteWhere('ended_sessions', 'ended_at < $1', [at(accessHorizon + DAY_MS)]);
    removed += await this.#deleteWhere('limit_counters', 'expires_at < $1', [at(0)]);
    const idle = at(this.#lifetimes.anonymousIdle * 1_000);
    removed += await this.#deleteWhere(
      'users',
      `is_anonymous AND COALESCE(last_seen_at, created_at) < $1 AND NOT EXISTS (
         SELECT 1 FROM refresh_families f JOIN refresh_tokens t ON t.family_id = f.id
         WHERE f.user_sub = users.sub AND t.issued_at >= $1)`,
      [idle],
    );
    removed += await this.#deleteWhere('anonymous_handoffs', 'expires_at < $1', [at(0)]);
    removed += await this.#deleteWhere('signup_tickets', 'expires_at < $1', [at(0)]);
    // Social login: a pending login a day past expiry (a reused state is refused as reuse meanwhile);
    // a provider_token as soon as it expired (an expired one is refused whether or not its row exists).
    removed += await this.#deleteWhere('provider_states', 'expires_at < $1', [at(DAY_MS)]);
    removed += await this.#deleteWhere('provider_tokens', 'expires_at < $1', [at(0)]);
    // A sudo_token once expired: an expired one is refused whether or not its row exists.
    removed += await this.#deleteWhere('sudo_tokens', 'expires_at < $1', [at(0)]);
    await this.#db.query(
      'UPDATE refresh_tokens SET child_sealed = NULL WHERE child_sealed IS NOT NULL AND consumed_at < $1',
      [at(60_000)],
    );
    return removed;
  }
}
