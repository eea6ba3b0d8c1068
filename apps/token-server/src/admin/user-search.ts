import type { Queryable } from '../storage/database.js';
import type { UserRow } from '../users/user-repository.js';
import type { AdminUserRow } from './admin-user-view.js';
import type { PagePosition } from './page-cursor.js';

/** User subs are digits only (the table's CHECK); a cursor's key must be one. */
export const USER_SUB_PATTERN = /^[1-9][0-9]{0,19}$/;

/** Filters, already in the stored forms (folded username, parsed phone, normalised email). */
export interface UserFilter {
  subs?: readonly string[];
  username?: string;
  phoneNumber?: string;
  email?: string;
  status?: UserRow['status'];
  /** Inclusive. */
  createdFrom?: Date;
  /** Exclusive. */
  createdTo?: Date;
}

function conditions(filter: UserFilter, params: unknown[]): string[] {
  const where: string[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filter.subs !== undefined) add((p) => `sub = ANY(${p}::text[])`, filter.subs);
  if (filter.username !== undefined) add((p) => `username = ${p}`, filter.username);
  if (filter.phoneNumber !== undefined) add((p) => `phone_number = ${p}`, filter.phoneNumber);
  if (filter.email !== undefined) add((p) => `email = ${p}`, filter.email);
  if (filter.status !== undefined) add((p) => `status = ${p}`, filter.status);
  if (filter.createdFrom !== undefined) add((p) => `created_at >= ${p}`, filter.createdFrom);
  if (filter.createdTo !== undefined) add((p) => `created_at < ${p}`, filter.createdTo);
  return where;
}

/**
 * One page of users matching every given filter, newest first (created_at, then sub, descending —
 * the `users_created` index), after `after` when given; `limit + 1` rows, so the caller can tell
 * whether another page follows. Every value is a bound parameter.
 */
export async function searchUsers(
  db: Queryable,
  filter: UserFilter,
  page: { limit: number; after: PagePosition | undefined },
): Promise<AdminUserRow[]> {
  const params: unknown[] = [];
  const where = conditions(filter, params);
  if (page.after !== undefined) {
    params.push(new Date(page.after.at), page.after.key);
    where.push(`(created_at, sub) < ($${params.length - 1}, $${params.length})`);
  }
  params.push(page.limit + 1);
  return db.query<AdminUserRow>(
    `SELECT * FROM users ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at DESC, sub DESC LIMIT $${params.length}`,
    params,
  );
}

/** How many users match (CloudBase's `/auth/v1/user/query` answers a `total`). */
export async function countUsers(db: Queryable, filter: UserFilter): Promise<number> {
  const params: unknown[] = [];
  const where = conditions(filter, params);
  const rows = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM users ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}`,
    params,
  );
  return rows[0]?.n ?? 0;
}

export function userPosition(row: AdminUserRow): PagePosition {
  return { at: row.created_at.getTime(), key: row.sub };
}
