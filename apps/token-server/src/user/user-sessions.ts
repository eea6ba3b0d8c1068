import { type Static, Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import { endSession } from '../routes/revocation-routes.js';
import type { Services } from '../services.js';

/** One live session (refresh family) of the user, as `GET /auth/v1/user/sessions` lists it. */
export const UserSessionSchema = Type.Object({
  id: Type.String({ description: 'the session id: the access tokens’ sid' }),
  client_id: Type.String(),
  client_name: Type.Optional(Type.String()),
  device_id: Type.Optional(Type.String({ description: 'the x-device-id it signed in with' })),
  created_at: Type.String(),
  last_used_at: Type.String({ description: 'the last sign-in or refresh' }),
  auth_time: Type.String(),
  amr: Type.Array(Type.String()),
  expires_at: Type.String({ description: 'the session’s absolute end' }),
  current: Type.Boolean({ description: 'the session of the token that asked' }),
});

export type UserSession = Static<typeof UserSessionSchema>;

interface SessionRow {
  id: string;
  client_id: string;
  client_name: string | null;
  device_id: string;
  created_at: Date;
  last_used_at: Date;
  auth_time: Date;
  amr: string[];
  expires_at: Date;
}

const iso = (value: Date) => new Date(value).toISOString();

/**
 * The user's sessions that can still refresh: not ended, within their absolute cap, and holding an
 * unspent, unexpired refresh token. Never a token, only what identifies the session to its owner.
 */
export async function listUserSessions(
  services: Services,
  sub: string,
  currentSid: string | undefined,
): Promise<UserSession[]> {
  const now = new Date(services.clock.now());
  const rows = await services.db.query<SessionRow>(
    `SELECT f.id, f.client_id, c.name AS client_name, f.device_id, f.created_at, f.auth_time, f.amr, f.expires_at,
            COALESCE((SELECT max(t.issued_at) FROM refresh_tokens t WHERE t.family_id = f.id), f.created_at) AS last_used_at
     FROM refresh_families f LEFT JOIN clients c ON c.id = f.client_id
     WHERE f.user_sub = $1 AND f.revoked_at IS NULL AND f.expires_at > $2
       AND EXISTS (SELECT 1 FROM refresh_tokens t
                   WHERE t.family_id = f.id AND t.consumed_at IS NULL AND t.expires_at > $2)
     ORDER BY last_used_at DESC, f.id`,
    [sub, now],
  );
  return rows.map((row) => {
    const session: UserSession = {
      id: row.id,
      client_id: row.client_id,
      created_at: iso(row.created_at),
      last_used_at: iso(row.last_used_at),
      auth_time: iso(row.auth_time),
      amr: row.amr,
      expires_at: iso(row.expires_at),
      current: row.id === currentSid,
    };
    if (row.client_name !== null) session.client_name = row.client_name;
    if (row.device_id !== '') session.device_id = row.device_id;
    return session;
  });
}

interface Who {
  clientId: string;
  sub: string;
  ip: string;
}

/**
 * Ends one of the user's own sessions on every instance. A session id of another user answers
 * `not_found`, exactly like one that never existed, so ids cannot be probed; one of the user's that
 * already ended answers as a success.
 */
export async function endOwnSession(services: Services, sessionId: string, who: Who): Promise<void> {
  const own = await services.db.query('SELECT 1 FROM refresh_families WHERE id = $1 AND user_sub = $2', [
    sessionId,
    who.sub,
  ]);
  if (own.length === 0) throw new TokenServerError('not_found', 'no such session');
  await endSession(services, sessionId, 'ended_by_user', who);
}

/**
 * Ends the user's sessions matching `where` (a condition on `refresh_families`, parameters from `$4`)
 * on every instance, with one audit row. Returns how many ended.
 */
export async function endUserSessionsWhere(
  services: Services,
  where: string,
  params: unknown[],
  reason: string,
  who: Who,
): Promise<number> {
  const ended = await services.revoked.revokeWhere(
    services.db,
    `user_sub = $3 AND (${where})`,
    [who.sub, ...params],
    reason,
  );
  if (ended.length > 0)
    await services.audit.record({
      kind: 'session_ended',
      clientId: who.clientId,
      sub: who.sub,
      ip: who.ip,
      detail: { reason, sessions: ended.length },
    });
  return ended.length;
}

/** Every session of the user but `keepSid` (the caller's own, when it has one). */
export function endOtherSessions(
  services: Services,
  keepSid: string | undefined,
  reason: string,
  who: Who,
): Promise<number> {
  return keepSid === undefined
    ? endUserSessionsWhere(services, 'true', [], reason, who)
    : endUserSessionsWhere(services, 'id <> $4', [keepSid], reason, who);
}
