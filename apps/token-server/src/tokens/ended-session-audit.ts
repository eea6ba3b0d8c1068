import type { Services } from '../services.js';

/**
 * Audits sessions a grant ended on its own — a replayed refresh token, authorization code or device
 * code (RFC 9700 §4.14: treated as theft) — as `session_ended` rows like a sign-out's, with the
 * family's user and client read back, so the audit log by user shows why the session died. Rare
 * paths (an attack or a broken client): one extra read is fine. A lost row is logged, never turned
 * into a 500: the refusal is the answer.
 */
export async function auditEndedSessions(
  services: Services,
  sids: readonly string[],
  reason: string,
  ip?: string,
): Promise<void> {
  if (sids.length === 0) return;
  try {
    const families = await services.db.query<{ id: string; user_sub: string; client_id: string }>(
      'SELECT id, user_sub, client_id FROM refresh_families WHERE id = ANY($1::text[])',
      [sids],
    );
    await Promise.all(
      families.map((family) =>
        services.audit.record({
          kind: 'session_ended',
          clientId: family.client_id,
          sub: family.user_sub,
          ...(ip === undefined ? {} : { ip }),
          detail: { reason },
        }),
      ),
    );
  } catch (error) {
    services.log.warn({ err: error, reason }, 'audit row for an ended session lost');
  }
}
