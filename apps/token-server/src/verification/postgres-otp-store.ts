import { timingSafeEqual } from 'node:crypto';
import { type Clock, isLingpaiError, StoreUnavailableError } from '@lingpai/auth-core';
import type {
  AttemptInput,
  AttemptResult,
  CancelVerificationInput,
  CreateVerificationInput,
  CreateVerificationResult,
  OtpStore,
} from '@lingpai/otp';
import type { Database, Queryable } from '../storage/database.js';

interface CodeRow {
  code_hash: string;
  max_attempts: number;
  attempts: number;
  used: boolean;
  expires_at: Date;
  drop_at: Date;
  latest_key: string;
  data: string;
}

/** How often one instance deletes rows past their retention (they never change an answer). */
const SWEEP_INTERVAL_MS = 60_000;

function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * `@lingpai/otp`'s `OtpStore` on PostgreSQL (and the embedded PGlite), for deployments without
 * Redis: several instances share one database, so every race is decided there.
 *
 * - `createVerification` is one transaction that first locks every cap's window row (inserted as an
 *   expired placeholder if missing, in sorted key order, so two sends never deadlock), then the
 *   cooldown row: concurrent sends for one recipient or from one IP queue on those rows, and the
 *   all-or-nothing check counts nothing when any cap or the cooldown blocks.
 * - `attempt` locks the code's row, so N concurrent guesses are counted exactly N times (up to
 *   `maxAttempts`) and at most one wins; the hashes are compared in constant time here, not in SQL.
 * - `redeemToken` is one `DELETE … RETURNING`: a token is redeemed at most once.
 *
 * Times come from the service (`now`); a database that cannot be reached throws auth-core's
 * `StoreUnavailableError`, so the service fails closed and sends nothing.
 */
export class PostgresOtpStore implements OtpStore {
  readonly #db: Database;
  readonly #clock: Clock;
  #lastSweep = Number.NEGATIVE_INFINITY;

  constructor(db: Database, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  createVerification(input: CreateVerificationInput): Promise<CreateVerificationResult> {
    const { now, record } = input;
    this.#maybeSweep(now);
    return this.#run(async () =>
      this.#db.transaction(async (tx) => {
        const keys = [...new Set(input.limits.map((limit) => limit.key))].sort();
        const windows = new Map<string, { count: number; resetAt: number }>();
        if (keys.length > 0) {
          await tx.query(
            `INSERT INTO otp_windows (key, count, reset_at)
             SELECT key, 0, to_timestamp(0) FROM unnest($1::text[]) AS key ORDER BY key
             ON CONFLICT (key) DO NOTHING`,
            [keys],
          );
          const rows = await tx.query<{ key: string; count: number; reset_at: Date }>(
            'SELECT key, count, reset_at FROM otp_windows WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE',
            [keys],
          );
          for (const row of rows)
            windows.set(row.key, { count: Number(row.count), resetAt: row.reset_at.getTime() });
        }
        let blockedBy = '';
        let retryAfterMs = 0;
        if (input.cooldown !== undefined) {
          const [cooldown] = await tx.query<{ until: Date | null }>(
            'SELECT until FROM otp_pointers WHERE key = $1 FOR UPDATE',
            [input.cooldown.key],
          );
          const until = cooldown?.until?.getTime() ?? 0;
          if (until > now) {
            blockedBy = 'cooldown';
            retryAfterMs = until - now;
          }
        }
        for (const limit of input.limits) {
          const window = windows.get(limit.key);
          if (window !== undefined && window.resetAt > now && window.count >= limit.max) {
            if (window.resetAt - now > retryAfterMs) {
              blockedBy = limit.name;
              retryAfterMs = window.resetAt - now;
            }
          }
        }
        if (blockedBy !== '') return { ok: false, blockedBy, retryAfterMs };

        const at = new Date(now);
        if (input.limits.length > 0) {
          const windowMs = new Map(input.limits.map((limit) => [limit.key, limit.windowMs]));
          // An upsert, not an UPDATE: the sweeper may have deleted an expired window between the lock
          // and here, and a count must never be lost.
          await tx.query(
            `INSERT INTO otp_windows AS w (key, count, reset_at)
             SELECT u.key, 1, $3::timestamptz + u.window_ms * interval '1 millisecond'
             FROM unnest($1::text[], $2::bigint[]) AS u(key, window_ms) ORDER BY u.key
             ON CONFLICT (key) DO UPDATE SET
               count = CASE WHEN w.reset_at <= $3::timestamptz THEN 1 ELSE w.count + 1 END,
               reset_at = CASE WHEN w.reset_at <= $3::timestamptz THEN EXCLUDED.reset_at ELSE w.reset_at END`,
            [keys, keys.map((key) => windowMs.get(key) ?? 0), at],
          );
        }
        if (input.cooldown !== undefined) {
          const until = new Date(now + input.cooldown.ms);
          await tx.query(
            `INSERT INTO otp_pointers (key, verification_id, until, drop_at) VALUES ($1, $2, $3, $3)
             ON CONFLICT (key) DO UPDATE SET verification_id = $2, until = $3, drop_at = $3`,
            [input.cooldown.key, record.id, until],
          );
        }
        const dropAt = new Date(now + input.retainMs);
        await tx.query(
          `INSERT INTO otp_codes (id, code_hash, max_attempts, expires_at, latest_key, data, drop_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [
            record.id,
            record.codeHash,
            record.maxAttempts,
            new Date(record.expiresAt),
            record.latestKey,
            record.data,
            dropAt,
          ],
        );
        await tx.query(
          `INSERT INTO otp_pointers (key, verification_id, until, drop_at) VALUES ($1, $2, NULL, $3)
           ON CONFLICT (key) DO UPDATE SET verification_id = $2, until = NULL, drop_at = $3`,
          [record.latestKey, record.id, dropAt],
        );
        return { ok: true };
      }),
    );
  }

  attempt(input: AttemptInput): Promise<AttemptResult> {
    const { id, now } = input;
    return this.#run(async () =>
      this.#db.transaction(async (tx): Promise<AttemptResult> => {
        const [row] = await tx.query<CodeRow>(
          `SELECT code_hash, max_attempts, attempts, used, expires_at, drop_at, latest_key, data
           FROM otp_codes WHERE id = $1 FOR UPDATE`,
          [id],
        );
        if (row === undefined || row.drop_at.getTime() <= now) return { status: 'not_found' };
        if (row.used) return { status: 'used' };
        if (now >= row.expires_at.getTime()) return { status: 'expired' };
        const [latest] = await tx.query<{ verification_id: string }>(
          'SELECT verification_id FROM otp_pointers WHERE key = $1',
          [row.latest_key],
        );
        if (latest?.verification_id !== id) return { status: 'superseded' };
        const attempts = Number(row.attempts);
        const maxAttempts = Number(row.max_attempts);
        if (attempts >= maxAttempts) return { status: 'locked' };
        if (!hashesEqual(input.codeHash, row.code_hash)) {
          await tx.query('UPDATE otp_codes SET attempts = attempts + 1 WHERE id = $1', [id]);
          return { status: 'wrong', attempts: attempts + 1, maxAttempts };
        }
        const token = input.issueToken();
        await tx.query('UPDATE otp_codes SET attempts = attempts + 1, used = true WHERE id = $1', [id]);
        await tx.query('INSERT INTO otp_tokens (key, value, drop_at) VALUES ($1, $2, $3)', [
          token.key,
          token.head + row.data,
          new Date(now + token.ttlMs),
        ]);
        return { status: 'verified' };
      }),
    );
  }

  cancelVerification(input: CancelVerificationInput): Promise<void> {
    return this.#run(async () => {
      await this.#db.transaction(async (tx) => {
        await tx.query('DELETE FROM otp_codes WHERE id = $1', [input.id]);
        await tx.query('DELETE FROM otp_pointers WHERE key = $1 AND verification_id = $2', [
          input.latestKey,
          input.id,
        ]);
        if (input.cooldownKey !== undefined) {
          await tx.query('DELETE FROM otp_pointers WHERE key = $1 AND verification_id = $2', [
            input.cooldownKey,
            input.id,
          ]);
        }
      });
    });
  }

  redeemToken(tokenKey: string): Promise<string | undefined> {
    // Expiry is checked by the service against the sealed head; the row only has to go exactly once.
    return this.#run(async () => {
      const [row] = await this.#db.query<{ value: string }>(
        'DELETE FROM otp_tokens WHERE key = $1 RETURNING value',
        [tokenKey],
      );
      return row?.value;
    });
  }

  /** Deletes rows past their retention now (tests; the write path does it once a minute). */
  async sweep(now = this.#clock.now()): Promise<void> {
    const at = new Date(now);
    await sweepRows(this.#db, at);
  }

  #maybeSweep(now: number): void {
    if (now - this.#lastSweep < SWEEP_INTERVAL_MS) return;
    this.#lastSweep = now;
    void sweepRows(this.#db, new Date(now)).catch(() => undefined);
  }

  async #run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      // The database is down or timed out: the service must refuse (fail closed), not answer 500.
      if (isLingpaiError(error, 'STORAGE_UNAVAILABLE') || isLingpaiError(error, 'STORE_UNAVAILABLE')) {
        throw new StoreUnavailableError('the verification code store is unavailable', { cause: error });
      }
      throw error;
    }
  }
}

async function sweepRows(db: Queryable, at: Date): Promise<void> {
  await db.query('DELETE FROM otp_codes WHERE drop_at <= $1', [at]);
  await db.query('DELETE FROM otp_pointers WHERE drop_at <= $1', [at]);
  await db.query('DELETE FROM otp_windows WHERE reset_at <= $1', [at]);
  await db.query('DELETE FROM otp_tokens WHERE drop_at <= $1', [at]);
}
