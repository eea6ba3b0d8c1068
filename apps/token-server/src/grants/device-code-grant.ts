import { GRANT_TYPES } from '../clients/client.js';
import { hashToken } from '../crypto/opaque-token.js';
import { TokenServerError } from '../errors.js';
import { auditEndedSessions } from '../tokens/ended-session-audit.js';
import { parseScope } from '../tokens/scope.js';
import type { TokenResponse } from '../tokens/token-response.js';
import { assertUserMaySignIn } from '../users/user-status.js';
import { type GrantContext, requireParam } from './grant-context.js';

/** RFC 8628 §3.5: "the interval MUST be increased by 5 seconds for this and all subsequent requests". */
export const SLOW_DOWN_STEP_SECONDS = 5;

interface PollRow {
  status: 'pending' | 'approved' | 'denied' | 'consumed';
  expires_at: Date;
  interval_seconds: number;
  previous_interval: number;
  family_id: string | null;
}

interface ApprovedRow {
  user_sub: string;
  granted_scope: string;
  auth_time: Date;
  amr: string[];
  device_id: string;
}

/**
 * Records this poll and decides `slow_down` in one statement, so the rule holds across instances:
 * the row is locked (`FOR UPDATE` waits for a concurrent poll and then sees its committed time), the
 * previous poll time is compared with the required interval, the new poll time is written, and a
 * too-early poll of a pending or approved code grows the stored interval by 5 s. `previous_interval`
 * tells the caller whether this poll grew it. Approved codes are included so that two polls sent at
 * once meet `slow_down`, not the replay rule that would end the session the first one got. Bound to
 * the client: another client's poll matches no row.
 */
const POLL_SQL = `
WITH current_code AS (
  SELECT hash, interval_seconds AS previous_interval
  FROM device_codes WHERE hash = $1 AND client_id = $2
  FOR UPDATE
)
UPDATE device_codes AS d SET
  last_polled_at = $3,
  interval_seconds = CASE
    WHEN d.status IN ('pending', 'approved') AND d.last_polled_at IS NOT NULL
      AND d.last_polled_at + make_interval(secs => d.interval_seconds) > $3
    THEN d.interval_seconds + ${SLOW_DOWN_STEP_SECONDS}
    ELSE d.interval_seconds END
FROM current_code
WHERE d.hash = current_code.hash
RETURNING d.status, d.expires_at, d.interval_seconds, current_code.previous_interval, d.family_id`;

/**
 * `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4–3.5): the device polls with its
 * `device_code` until the person approves or denies at the verification page, or the code expires.
 * Approved codes are exchanged once: one `UPDATE … status approved → consumed`, in the same
 * transaction that starts the refresh family, decides every race, and a consumed code presented
 * again is `invalid_grant` and ends what it issued (RFC 9700 §4.14 treats a replayed grant as theft).
 */
export async function deviceCodeGrant(context: GrantContext): Promise<TokenResponse> {
  const { client, services } = context;
  if (!client.grantTypes.includes(GRANT_TYPES.deviceCode)) {
    throw new TokenServerError('unauthorized_client', 'this client may not use the device_code grant');
  }
  const hash = hashToken(requireParam(context, 'device_code'));
  const now = services.clock.now();
  const polled = await services.db.query<PollRow>(POLL_SQL, [hash, client.id, new Date(now)]);
  const row = polled[0];
  if (!row) throw new TokenServerError('invalid_grant', 'the device_code is unknown');

  if (row.status === 'consumed') {
    await revokeIssued(context, hash, row.family_id);
    throw new TokenServerError('invalid_grant', 'the device_code was already used');
  }
  if (row.expires_at.getTime() <= now) {
    throw new TokenServerError('expired_token', 'the device_code has expired; start over');
  }
  if (row.status === 'denied') throw new TokenServerError('access_denied', 'the user denied the request');
  if (row.interval_seconds > row.previous_interval) {
    throw new TokenServerError(
      'slow_down',
      `polled too fast; wait at least ${row.interval_seconds} seconds between requests`,
    );
  }
  if (row.status === 'pending') {
    throw new TokenServerError('authorization_pending', 'the user has not yet approved the request');
  }
  return exchange(context, hash, now);
}

/** approved → consumed and the tokens, in one transaction: both happen or neither. */
async function exchange(context: GrantContext, hash: string, now: number): Promise<TokenResponse> {
  const { client, services } = context;
  const result = await services.db.transaction(async (tx) => {
    const consumed = await tx.query<ApprovedRow>(
      `UPDATE device_codes SET status = 'consumed'
       WHERE hash = $1 AND client_id = $2 AND status = 'approved' AND expires_at > $3
       RETURNING user_sub, granted_scope, auth_time, amr, device_id`,
      [hash, client.id, new Date(now)],
    );
    const approved = consumed[0];
    if (!approved) return undefined;
    const user = await services.users.findBySub(approved.user_sub, tx);
    if (!user) throw new TokenServerError('invalid_grant', 'the approving account is no longer active');
    // Approved before a block: nothing for the device (the block also turns open approvals into denials).
    assertUserMaySignIn(user.status, 'oauth');
    const issued = await services.issuer.issueForUser(
      {
        user: { sub: user.sub, groups: user.groups },
        client,
        scope: parseScope(approved.granted_scope) ?? [],
        // One family per device: the poll's x-device-id, else the one given at /device/code.
        deviceId: context.deviceId || approved.device_id,
        authTime: approved.auth_time.getTime(),
        amr: approved.amr,
      },
      tx,
    );
    if (issued.familyId !== undefined) {
      await tx.query('UPDATE device_codes SET family_id = $2 WHERE hash = $1', [hash, issued.familyId]);
    }
    return issued;
  });
  if (!result) {
    // A parallel poll consumed it between our two statements: this presentation is the replay.
    const rows = await services.db.query<{ family_id: string | null }>(
      'SELECT family_id FROM device_codes WHERE hash = $1',
      [hash],
    );
    await revokeIssued(context, hash, rows[0]?.family_id ?? null);
    throw new TokenServerError('invalid_grant', 'the device_code was already used');
  }
  const { familyId: _familyId, ended, ...response } = result as typeof result & { ended?: string[] };
  if (ended !== undefined && ended.length > 0) await services.revoked.announce(ended);
  return response;
}

async function revokeIssued(context: GrantContext, hash: string, familyId: string | null): Promise<void> {
  const { services } = context;
  if (familyId !== null) {
    const reason = 'device_code_reuse';
    const ended = await services.revoked.revokeWhere(services.db, 'id = $3', [familyId], reason);
    await auditEndedSessions(services, ended, reason, context.ip);
  }
  services.log.warn(
    { clientId: context.client.id, deviceCode: hash.slice(0, 8) },
    'device_code replayed; its tokens were revoked',
  );
}
