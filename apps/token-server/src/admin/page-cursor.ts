import { TokenServerError } from '../errors.js';

/**
 * Keyset pagination for the admin lists. A page is "the next `limit` rows after this position" in a
 * fixed order (a timestamp descending, then a unique tie-breaker descending), so a row inserted or
 * deleted meanwhile never shifts a later page: nothing is skipped or shown twice, unlike OFFSET.
 *
 * The cursor is opaque to clients (base64url of the position); it is not signed because it grants
 * nothing — it only says where to continue, and the filters are sent again with it. A cursor that is
 * not one of ours is `invalid_request`, never a 500.
 */
export interface PagePosition {
  /** The last row's timestamp (epoch ms). */
  at: number;
  /** The last row's tie-breaker (user sub, audit id). */
  key: string;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.at, position.key])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, keyPattern: RegExp): PagePosition | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const invalid = () => new TokenServerError('invalid_request', 'cursor is not a cursor this server gave');
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid();
  const [at, key] = parsed as unknown[];
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || Math.abs(at) > 8.64e15) throw invalid();
  if (typeof key !== 'string' || !keyPattern.test(key)) throw invalid();
  return { at, key };
}

/** `limit` from a query string: 1–100, default 20. */
export function pageSize(limit: string | undefined): number {
  if (limit === undefined || limit === '') return DEFAULT_PAGE_SIZE;
  const value = /^[0-9]{1,4}$/.test(limit) ? Number(limit) : Number.NaN;
  if (!(value >= 1 && value <= MAX_PAGE_SIZE)) {
    throw new TokenServerError('invalid_request', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return value;
}

/**
 * A time bound from a query string: epoch seconds, or ISO 8601 — a date (UTC midnight) or a date-time
 * with its zone (`2026-12-01T08:00:00+08:00`); a zoneless time would depend on the server's TZ.
 */
export function timeBound(name: string, value: string | undefined): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = /^[0-9]{1,12}$/.test(value)
    ? Number(value) * 1_000
    : /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value)
      ? Date.parse(value)
      : Number.NaN;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
    throw new TokenServerError('invalid_request', `${name} must be an ISO 8601 time or epoch seconds`);
  }
  return new Date(ms);
}

/**
 * The `limit + 1` rows a page query fetched, as the page and the cursor to the next one (absent on
 * the last page). Fetching one extra row tells whether more follow without a count.
 */
export function toPage<T>(
  rows: T[],
  limit: number,
  positionOf: (row: T) => PagePosition,
): { rows: T[]; nextCursor: string | undefined } {
  if (rows.length <= limit) return { rows, nextCursor: undefined };
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: encodeCursor(positionOf(page[page.length - 1]!)) };
}
