import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import type { Queryable } from '../storage/database.js';
import type { AdminCaller } from './admin-token.js';

/**
 * Ends every way a user is signed in, inside the caller's transaction: all refresh families (the
 * JWT `sid`s, returned so the caller announces them after its commit), all browser login sessions,
 * authorization codes not yet exchanged and device approvals not yet collected. The last two would
 * otherwise turn into fresh sessions later — an unblock within a code's minute must not revive it.
 */
async function endEverything(tx: Queryable, sub: string, now: Date, reason: string): Promise<string[]> {
  const families = await tx.query<{ id: string }>(
    `UPDATE refresh_families SET revoked_at = $2, revoked_reason = $3
     WHERE user_sub = $1 AND revoked_at IS NULL RETURNING id`,
    [sub, now, reason],
  );
  await tx.query('UPDATE login_sessions SET revoked_at = $2 WHERE user_sub = $1 AND revoked_at IS NULL', [
    sub,
    now,
  ]);
  await tx.query(
    'UPDATE authorization_codes SET consumed_at = $2 WHERE user_sub = $1 AND consumed_at IS NULL',
    [sub, now],
  );
  await tx.query(`UPDATE device_codes SET status = 'denied' WHERE user_sub = $1 AND status = 'approved'`, [
    sub,
  ]);
  return families.map((row) => row.id);
}

const notFound = () => new TokenServerError('user_not_found', 'no user with this sub');

/** Tells every instance (PostgreSQL NOTIFY, Redis when configured) that these sessions ended. */
async function announce(services: Services, sids: string[]): Promise<void> {
  if (sids.length > 0) await services.revoked.announce(sids);
}

/**
 * Blocks a user: in one transaction the status becomes BLOCKED and every session ends (see
 * `endEverything`); after the commit the sids are announced, so every instance refuses the user's
 * access tokens within moments. The status UPDATE comes first: a sign-in racing with the block holds
 * (or waits for) a share lock on the same row when it starts its family (TokenIssuer.startFamily), so
 * either it committed before and its family is among those ended here, or it sees BLOCKED and starts
 * none. A refresh racing with it rotates at most into a family this transaction ends. Every sign-in
 * path also refuses the user by status (assertUserMaySignIn). Blocking a blocked user ends whatever
 * is live and changes nothing else.
 */
export async function blockUser(
  services: Services,
  sub: string,
  caller: AdminCaller,
): Promise<{ sub: string; status: 'BLOCKED'; ended_sessions: number }> {
  const now = new Date(services.clock.now());
  const sids = await services.db.transaction(async (tx) => {
    const found = await tx.query<{ sub: string }>(
      `UPDATE users SET status = 'BLOCKED', updated_at = CASE WHEN status = 'BLOCKED' THEN updated_at ELSE $2 END
       WHERE sub = $1 RETURNING sub`,
      [sub, now],
    );
    if (found.length === 0) throw notFound();
    return endEverything(tx, sub, now, 'user_blocked');
  });
  await announce(services, sids);
  await services.audit.record({
    kind: 'user_blocked',
    clientId: caller.clientId,
    sub,
    ip: caller.ip,
    detail: { by: caller.sub, ended_sessions: sids.length },
  });
  return { sub, status: 'BLOCKED', ended_sessions: sids.length };
}

/**
 * Unblocks a BLOCKED user (ACTIVE again; a PENDING or ACTIVE user is left as is). Nothing ended by
 * the block comes back: the user signs in anew.
 */
export async function unblockUser(
  services: Services,
  sub: string,
  caller: AdminCaller,
): Promise<{ sub: string; status: 'ACTIVE' | 'PENDING' | 'BLOCKED' }> {
  const now = new Date(services.clock.now());
  const changed = await services.db.query<{ status: 'ACTIVE' }>(
    `UPDATE users SET status = 'ACTIVE', updated_at = $2 WHERE sub = $1 AND status = 'BLOCKED' RETURNING status`,
    [sub, now],
  );
  if (changed.length === 0) {
    const user = await services.users.findBySub(sub);
    if (!user) throw notFound();
    return { sub, status: user.status };
  }
  await services.audit.record({
    kind: 'user_unblocked',
    clientId: caller.clientId,
    sub,
    ip: caller.ip,
    detail: { by: caller.sub },
  });
  return { sub, status: 'ACTIVE' };
}

/** Ends all of a user's sessions (a lost phone, a leaked token) without blocking the account. */
export async function endUserSessions(
  services: Services,
  sub: string,
  caller: AdminCaller,
): Promise<{ sub: string; ended_sessions: number }> {
  const now = new Date(services.clock.now());
  const sids = await services.db.transaction(async (tx) => {
    const found = await tx.query('SELECT 1 FROM users WHERE sub = $1', [sub]);
    if (found.length === 0) throw notFound();
    return endEverything(tx, sub, now, 'admin_ended');
  });
  await announce(services, sids);
  await services.audit.record({
    kind: 'admin_sessions_ended',
    clientId: caller.clientId,
    sub,
    ip: caller.ip,
    detail: { by: caller.sub, ended_sessions: sids.length },
  });
  return { sub, ended_sessions: sids.length };
}
