import { Type } from 'typebox';
import type { Queryable } from '../storage/database.js';
import type { PagePosition } from './page-cursor.js';

/** Audit ids are bigserial: a cursor's key must be digits. */
export const AUDIT_ID_PATTERN = /^[0-9]{1,19}$/;

export interface AuditFilter {
  sub?: string;
  clientId?: string;
  kind?: string;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

interface AuditRow {
  id: string;
  at: Date;
  kind: string;
  client_id: string | null;
  sub: string | null;
  ip: string | null;
  detail: Record<string, unknown>;
}

export const AuditEventSchema = Type.Object({
  id: Type.String(),
  at: Type.String({ description: 'ISO 8601' }),
  kind: Type.String(),
  client_id: Type.Optional(Type.String()),
  sub: Type.Optional(Type.String()),
  ip: Type.Optional(Type.String()),
  detail: Type.Record(Type.String(), Type.Unknown()),
});

export interface AuditEventView {
  id: string;
  at: string;
  kind: string;
  client_id?: string;
  sub?: string;
  ip?: string;
  detail: Record<string, unknown>;
}

export function auditEventView(row: AuditRow): AuditEventView {
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    kind: row.kind,
    ...(row.client_id === null ? {} : { client_id: row.client_id }),
    ...(row.sub === null ? {} : { sub: row.sub }),
    ...(row.ip === null ? {} : { ip: row.ip }),
    detail: row.detail,
  };
}

export function auditPosition(row: AuditRow): PagePosition {
  return { at: row.at.getTime(), key: String(row.id) };
}

/**
 * One page of audit events, newest first — `at`, then `id` (a group commit writes many rows with one
 * `at`), both descending — after `after` when given; `limit + 1` rows. By user or by client the walk
 * is one range of `audit_events_sub_at` / `audit_events_client_at`; otherwise `audit_events_at_id`.
 */
export async function searchAudit(
  db: Queryable,
  filter: AuditFilter,
  page: { limit: number; after: PagePosition | undefined },
): Promise<AuditRow[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filter.sub !== undefined) add((p) => `sub = ${p}`, filter.sub);
  if (filter.clientId !== undefined) add((p) => `client_id = ${p}`, filter.clientId);
  if (filter.kind !== undefined) add((p) => `kind = ${p}`, filter.kind);
  if (filter.from !== undefined) add((p) => `at >= ${p}`, filter.from);
  if (filter.to !== undefined) add((p) => `at < ${p}`, filter.to);
  if (page.after !== undefined) {
    params.push(new Date(page.after.at), page.after.key);
    where.push(`(at, id) < ($${params.length - 1}, $${params.length}::bigint)`);
  }
  params.push(page.limit + 1);
  return db.query<AuditRow>(
    `SELECT id::text AS id, at, kind, client_id, sub, ip, detail FROM audit_events
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
}
