import type { Clock } from '@lingpai/auth-core';
import type { Database, Queryable } from '../storage/database.js';

export const SESSIONS_CHANNEL = 'lingpai_sessions';

/** NOTIFY payloads are limited to 8000 bytes: sids go out in chunks of 100. */
const SIDS_PER_MESSAGE = 100;

/**
 * Tells every instance listening on the database that these sessions ended. What `RevokedSessions`
 * sends, usable where there is none (a CLI process removing a client).
 */
export async function notifyEndedSessions(
  db: Pick<Database, 'notify'>,
  sids: readonly string[],
  each?: (chunk: string[]) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < sids.length; i += SIDS_PER_MESSAGE) {
    const chunk = sids.slice(i, i + SIDS_PER_MESSAGE);
    await db.notify(SESSIONS_CHANNEL, chunk.join(',')).catch(() => undefined);
    await each?.(chunk);
  }
}

/** How a revocation reaches the other instances besides PostgreSQL's NOTIFY (e.g. Redis pub/sub). */
export interface RevocationBroadcast {
  publish(sids: string[]): Promise<void>;
  subscribe(onSids: (sids: string[]) => void): Promise<() => Promise<void>>;
}

/**
 * The sessions (refresh families, the JWT `sid`) that ended while their access tokens may still be
 * unexpired. Every instance holds the set in memory, so a Bearer check costs no round trip; ending a
 * family anywhere NOTIFYs (and, with Redis, publishes) its sid, and a periodic full re-read heals any
 * message lost while an instance was disconnected.
 */
export class RevokedSessions {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #horizonMs: number;
  readonly #dead = new Map<string, number>();
  readonly #broadcast: RevocationBroadcast | undefined;
  #stops: Array<() => Promise<void>> = [];
  #timer: NodeJS.Timeout | undefined;

  /** `horizonSeconds`: the longest access-token lifetime; a dead sid is forgotten after it. */
  constructor(db: Database, clock: Clock, horizonSeconds: number, broadcast?: RevocationBroadcast) {
    this.#db = db;
    this.#clock = clock;
    this.#horizonMs = horizonSeconds * 1_000;
    this.#broadcast = broadcast;
  }

  isRevoked(sid: string): boolean {
    return this.#dead.has(sid);
  }

  #remember(sids: Iterable<string>): void {
    const until = this.#clock.now() + this.#horizonMs;
    for (const sid of sids) if (sid) this.#dead.set(sid, until);
  }

  async start(resyncIntervalSeconds: number): Promise<void> {
    this.#stops.push(
      await this.#db.listen(
        SESSIONS_CHANNEL,
        (payload) => this.#remember(payload.split(',')),
        // Sids that died while our LISTEN connection was down are read back at once, not at the next tick.
        () => void this.resync().catch(() => undefined),
      ),
    );
    if (this.#broadcast) this.#stops.push(await this.#broadcast.subscribe((sids) => this.#remember(sids)));
    await this.resync();
    this.#timer = setInterval(() => void this.resync().catch(() => undefined), resyncIntervalSeconds * 1_000);
    this.#timer.unref();
  }

  /** Re-reads every family revoked within the horizon, and forgets sids past it. */
  async resync(): Promise<void> {
    const now = this.#clock.now();
    const rows = await this.#db.query<{ id: string }>(
      'SELECT id FROM refresh_families WHERE revoked_at > $1 UNION ALL SELECT sid FROM ended_sessions WHERE ended_at > $1',
      [new Date(now - this.#horizonMs)],
    );
    for (const [sid, until] of this.#dead) if (until <= now) this.#dead.delete(sid);
    this.#remember(rows.map((row) => row.id));
  }

  /**
   * Ends families matching `where` (a SQL condition on `refresh_families`, parameters from `$3`) and
   * tells every instance. Returns the sids that this call ended.
   */
  async revokeWhere(db: Queryable, where: string, params: unknown[], reason: string): Promise<string[]> {
    const rows = await db.query<{ id: string }>(
      `UPDATE refresh_families SET revoked_at = $1, revoked_reason = $2 WHERE revoked_at IS NULL AND (${where}) RETURNING id`,
      [new Date(this.#clock.now()), reason, ...params],
    );
    const sids = rows.map((row) => row.id);
    if (sids.length > 0) await this.announce(sids);
    return sids;
  }

  /**
   * Keeps the sids of sessions whose rows are about to be deleted (a deleted user's families), in the
   * deleting transaction, so an instance that misses the announcement still finds them at its next
   * re-read. Announce them after the commit.
   */
  async recordDeleted(db: Queryable, sids: readonly string[]): Promise<void> {
    if (sids.length === 0) return;
    await db.query(
      'INSERT INTO ended_sessions (sid, ended_at) SELECT unnest($1::text[]), $2 ON CONFLICT (sid) DO NOTHING',
      [sids, new Date(this.#clock.now())],
    );
  }

  /** Tells every instance (this one at once) that these sessions ended. */
  async announce(sids: string[]): Promise<void> {
    this.#remember(sids);
    const broadcast = this.#broadcast;
    await notifyEndedSessions(
      this.#db,
      sids,
      broadcast ? (chunk) => broadcast.publish(chunk).catch(() => undefined) : undefined,
    );
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    for (const stop of this.#stops) await stop().catch(() => undefined);
    this.#stops = [];
  }
}
