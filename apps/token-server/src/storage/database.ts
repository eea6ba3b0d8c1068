/**
 * The one interface every query goes through, so the same SQL runs on PostgreSQL (`pg`) and on the
 * embedded PGlite. Parameters are `$1…$n`; times are passed as `Date` from the injected clock (never
 * `now()` in SQL) so expiry is testable; JSON columns are `jsonb`.
 */
export interface Queryable {
  query<Row extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<Row[]>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `work` inside BEGIN … COMMIT on one connection held exclusively for the whole transaction
   * (on PGlite's single connection, no other query can run in between). Rolls back on a throw.
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a statement while holding a session-level advisory lock (migrations). */
  withAdvisoryLock<T>(lockId: number, work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Sends a NOTIFY on `channel` (the other instances' `listen` receives it). */
  notify(channel: string, payload: string): Promise<void>;
  /**
   * Subscribes to NOTIFY on `channel`; resolves to an unsubscribe function. NOTIFYs sent while the
   * listening connection was down are lost: `onReconnect` runs each time it is back, so the
   * subscriber can re-read what it may have missed.
   */
  listen(
    channel: string,
    onPayload: (payload: string) => void,
    onReconnect?: () => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** The PostgreSQL error codes that mean "this statement's data broke a constraint". */
export const PG_UNIQUE_VIOLATION = '23505';

export function pgErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** A schema name we may interpolate into `SET search_path` (identifiers cannot be parameters). */
export function assertSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`database schema "${schema}" must match [a-z_][a-z0-9_]* (at most 63 characters)`);
  }
  return schema;
}
