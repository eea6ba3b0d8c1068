import { Type } from 'typebox';
import { adminGate } from '../admin/admin-token.js';
import {
  AUDIT_ID_PATTERN,
  AuditEventSchema,
  auditEventView,
  auditPosition,
  searchAudit,
} from '../admin/audit-search.js';
import { decodeCursor, pageSize, timeBound, toPage } from '../admin/page-cursor.js';
import type { RoutePlugin } from './route-plugin.js';
import { ERROR_RESPONSES, Param } from './schemas.js';

const AuditQuery = Type.Object(
  {
    sub: Param(160),
    client_id: Param(128),
    kind: Param(64),
    from: Param(64),
    to: Param(64),
    cursor: Param(256),
    limit: Param(8),
  },
  { additionalProperties: true },
);

const AuditPage = Type.Object({
  data: Type.Array(AuditEventSchema),
  next_cursor: Type.Optional(Type.String({ description: 'absent on the last page' })),
});

const text = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

/**
 * `GET /auth/v1/admin/audit`: the audit log (sign-ins and their failures, issuance, revocation,
 * admin actions), newest first, by user (`sub`, a user's or a service account's), client, kind and
 * time (`from` inclusive, `to` exclusive), in keyset pages. For an admin token (admin-token.ts).
 */
export const adminAuditRoutes: RoutePlugin = (app, services) => {
  const gate = adminGate(services);
  app.addHook('onRequest', gate.onRequest);
  app.get(
    '/auth/v1/admin/audit',
    {
      schema: {
        summary: 'Query the audit log',
        description:
          'Filters (AND): sub, client_id, kind, from (inclusive), to (exclusive) — ISO 8601 or epoch seconds. ' +
          'Newest first; `limit` 1–100 (default 20); `next_cursor` → `cursor` for the next page.',
        tags: ['admin'],
        querystring: AuditQuery,
        response: { 200: AuditPage, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const query = request.query as Record<string, string | undefined>;
      const limit = pageSize(text(query.limit));
      const after = decodeCursor(text(query.cursor), AUDIT_ID_PATTERN);
      const sub = text(query.sub);
      const clientId = text(query.client_id);
      const kind = text(query.kind);
      const from = timeBound('from', text(query.from));
      const to = timeBound('to', text(query.to));
      const rows = await searchAudit(
        services.db,
        {
          ...(sub === undefined ? {} : { sub }),
          ...(clientId === undefined ? {} : { clientId }),
          ...(kind === undefined ? {} : { kind }),
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
        },
        { limit, after },
      );
      const page = toPage(rows, limit, auditPosition);
      return {
        data: page.rows.map(auditEventView),
        ...(page.nextCursor === undefined ? {} : { next_cursor: page.nextCursor }),
      };
    },
  );
};
