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

/** How often one instance deletes rows past their retention (they never change an answer). */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * `@lingpai/otp`'s `OtpStore` on PostgreSQL (and the embedded PGlite), for deployments without
 * Redis: several instances share one database, so every race is decided there.
 *
 * - `createVerification` is one call of the migration's `otp_create_verification`, which first locks
 *   every cap's window row (inserted as an expired placeholder if missing, in sorted key order, so
 *   two sends never deadlock), then the cooldown row: concurrent sends for one recipient or from one
 *   IP queue on those rows, and the all-or-nothing check counts nothing when any cap or the cooldown
 *   blocks. One round trip, so the rows every send touches (channel, country) are held briefly.
 * - `attempt` is one call of `otp_attempt`, which locks the code's row: N concurrent guesses are
 *   counted exactly N times (up to `maxAttempts`) and at most one wins. The HMACs are compared as
 *   SHA-256 of each, so the comparison's timing tells nothing about the stored one.
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
    // One call of otp_create_verification (the migration): locks, checks and writes in one round trip.
    const byKey = new Map<string, (typeof input.limits)[number]>();
    for (const limit of input.limits) if (!byKey.has(limit.key)) byKey.set(limit.key, limit);
    const limits = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return this.#run(async () => {
      const [row] = await this.#db.query<{ blocked_by: string; retry_after_ms: string | number }>(
        `SELECT blocked_by, retry_after_ms FROM otp_create_verification(
           $1, $2::text[], $3::text[], $4::integer[], $5::bigint[], $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [
          new Date(now),
          limits.map((limit) => limit.key),
          limits.map((limit) => limit.name),
          limits.map((limit) => limit.max),
          limits.map((limit) => limit.windowMs),
          input.cooldown?.key ?? null,
          input.cooldown?.ms ?? 0,
          record.id,
          record.codeHash,
          record.maxAttempts,
          new Date(record.expiresAt),
          record.latestKey,
          record.data,
          new Date(now + input.retainMs),
        ],
      );
      if (row === undefined || row.blocked_by === '') return { ok: true };
      return { ok: false, blockedBy: row.blocked_by, retryAfterMs: Number(row.retry_after_ms) };
    });
  }

  attempt(input: AttemptInput): Promise<AttemptResult> {
    const { id, now } = input;
    // Issued before the step (the interface allows it, as for Redis): the function stores it on a match.
    const token = input.issueToken();
    return this.#run(async () => {
      const [row] = await this.#db.query<{ status: string; attempts: number; max_attempts: number }>(
        'SELECT status, attempts, max_attempts FROM otp_attempt($1, $2, $3, $4, $5, $6)',
        [id, new Date(now), input.codeHash, token.key, token.head, new Date(now + token.ttlMs)],
      );
      switch (row?.status) {
        case 'verified':
          return { status: 'verified' };
        case 'wrong':
          return { status: 'wrong', attempts: Number(row.attempts), maxAttempts: Number(row.max_attempts) };
        case 'used':
        case 'expired':
        case 'superseded':
        case 'locked':
          return { status: row.status };
        default:
          return { status: 'not_found' };
      }
    });
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
