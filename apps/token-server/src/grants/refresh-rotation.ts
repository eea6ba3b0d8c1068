import type { LoadedClient } from '../clients/client-registry.js';
import { hashToken } from '../crypto/opaque-token.js';
import { deriveKey, open, seal } from '../crypto/sealing.js';
import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import { auditEndedSessions } from '../tokens/ended-session-audit.js';
import { grantScope } from '../tokens/scope.js';
import type { SealedPair } from '../tokens/token-issuer.js';
import type { TokenResponse } from '../tokens/token-response.js';
import { assertUserMaySignIn } from '../users/user-status.js';

/**
 * Refresh-token rotation and reuse detection, all in this one module (RFC 9700 §4.14.2):
 *
 * - every refresh returns a new refresh token and the presented one is dead at once (seed 002:
 *   "原refresh_token随即失效");
 * - a single UPDATE … WHERE consumed_at IS NULL decides every race: of N parallel refreshes of one
 *   token exactly one rotates, on any number of instances;
 * - a consumed token presented again ends the whole family (its sid dies everywhere);
 * - optional per-client grace (0–60 s, same client and `x-device-id` only): the *immediate* parent
 *   presented again inside the window returns the current child pair — never a new branch. The child
 *   is kept sealed under a key derived from the parent token, so only the parent's holder can open it;
 *   anything older, or the parent after the window, still ends the family.
 */

interface TokenRow {
  hash: string;
  family_id: string;
  consumed_at: Date | null;
  expires_at: Date;
  child_hash: string | null;
  child_sealed: string | null;
  user_sub: string;
  client_id: string;
  device_id: string;
  scope: string;
  auth_time: Date;
  family_expires_at: Date;
  revoked_at: Date | null;
  groups: string[];
  status: 'ACTIVE' | 'PENDING' | 'BLOCKED';
}

const SELECT_TOKEN = `
  SELECT t.hash, t.family_id, t.consumed_at, t.expires_at, t.child_hash, t.child_sealed,
         f.user_sub, f.client_id, f.device_id, f.scope, f.auth_time, f.expires_at AS family_expires_at, f.revoked_at,
         u.groups, u.status
  FROM refresh_tokens t
  JOIN refresh_families f ON f.id = t.family_id
  JOIN users u ON u.sub = f.user_sub
  WHERE t.hash = $1`;

// One statement: consume the parent if it is still live, and insert the child only if that worked.
const ROTATE = `
  WITH parent AS (
    UPDATE refresh_tokens t SET consumed_at = $2, child_hash = $3, child_sealed = $4
    FROM refresh_families f
    WHERE t.hash = $1 AND t.consumed_at IS NULL AND t.expires_at > $2
      AND f.id = t.family_id AND f.revoked_at IS NULL AND f.expires_at > $2
    RETURNING t.family_id, f.expires_at AS family_expires_at
  )
  INSERT INTO refresh_tokens (hash, family_id, parent_hash, issued_at, expires_at)
  SELECT $3, family_id, $1, $2, LEAST($5::timestamptz, family_expires_at) FROM parent
  RETURNING hash`;

const dead = (description: string) => new TokenServerError('invalid_grant', description);

function graceKey(parentToken: string): Buffer {
  return deriveKey(parentToken, 'refresh grace child');
}

export interface RotationRequest {
  token: string;
  client: LoadedClient;
  deviceId: string;
  /** A narrower scope for the new access token (never wider than the family's). */
  scope: string[] | undefined;
}

export async function rotateRefreshToken(
  services: Services,
  request: RotationRequest,
): Promise<TokenResponse> {
  const { db, clock } = services;
  const hash = hashToken(request.token);
  const row = (await db.query<TokenRow>(SELECT_TOKEN, [hash]))[0];
  const now = clock.now();
  // Bound to its client (RFC 6749 §10.4): another client's presentation is refused, not treated as reuse.
  if (!row || row.client_id !== request.client.id) throw dead('refresh token is invalid or expired');
  if (row.revoked_at !== null) throw dead('refresh token is invalid or expired');
  if (row.consumed_at !== null) return reuse(services, request, row);
  if (row.expires_at.getTime() <= now || row.family_expires_at.getTime() <= now)
    throw dead('refresh token is invalid or expired');
  if (row.status !== 'ACTIVE') {
    // Blocking ends every family in the same transaction, so this is a status set some other way
    // (SQL, a later tool): end this family too, and refuse as every sign-in path does.
    if (row.status === 'BLOCKED')
      await services.revoked.revokeWhere(db, 'id = $3', [row.family_id], 'user_blocked');
    assertUserMaySignIn(row.status, 'oauth');
  }
  const familyScope = row.scope.split(' ').filter(Boolean);
  const scope = grantScope(request.scope, familyScope, familyScope);

  const child = services.issuer.newRefreshToken();
  const lifetime = services.config.lifetimes.accessToken;
  const access = await services.issuer.accessToken({
    sub: row.user_sub,
    clientId: row.client_id,
    scope,
    sid: row.family_id,
    groups: row.groups,
    authTime: row.auth_time.getTime(),
    lifetimeSeconds: lifetime,
  });
  const pair: SealedPair = {
    access_token: access.token,
    refresh_token: child,
    exp: access.exp,
    scope: scope.join(' '),
  };
  const sealed =
    request.client.refreshGraceSeconds > 0 ? seal(graceKey(request.token), JSON.stringify(pair), hash) : null;
  const childExpires = new Date(now + services.config.lifetimes.refreshToken * 1_000);
  const won = await db.query<{ hash: string }>(ROTATE, [
    hash,
    new Date(now),
    hashToken(child),
    sealed,
    childExpires,
  ]);
  if (won.length === 0) {
    // Someone else consumed it between our read and our update: decide as a reuse, on fresh data.
    const again = (await db.query<TokenRow>(SELECT_TOKEN, [hash]))[0];
    if (!again || again.consumed_at === null) throw dead('refresh token is invalid or expired');
    return reuse(services, request, again);
  }
  return response(pair, row, scope, clock.now());
}

function response(pair: SealedPair, row: TokenRow, scope: string[], now: number): TokenResponse {
  return {
    token_type: 'Bearer',
    access_token: pair.access_token,
    expires_in: Math.max(1, pair.exp - Math.floor(now / 1_000)),
    refresh_token: pair.refresh_token,
    scope: scope.join(' '),
    sub: row.user_sub,
    groups: row.groups,
  };
}

async function reuse(services: Services, request: RotationRequest, row: TokenRow): Promise<TokenResponse> {
  const now = services.clock.now();
  const graceMs = request.client.refreshGraceSeconds * 1_000;
  const inWindow =
    graceMs > 0 &&
    row.child_sealed !== null &&
    row.child_hash !== null &&
    row.consumed_at !== null &&
    row.consumed_at.getTime() + graceMs > now &&
    row.revoked_at === null &&
    // A user blocked since the rotation gets nothing back, not even the pair already issued.
    row.status === 'ACTIVE' &&
    request.deviceId === row.device_id;
  if (inWindow) {
    // Only the immediate parent of the live head: if the child has itself been rotated, this is old.
    const childRow = (
      await services.db.query<{ consumed_at: Date | null }>(
        'SELECT consumed_at FROM refresh_tokens WHERE hash = $1',
        [row.child_hash],
      )
    )[0];
    if (childRow && childRow.consumed_at === null) {
      try {
        const pair = JSON.parse(open(graceKey(request.token), row.child_sealed!, row.hash)) as SealedPair;
        const scope = (pair.scope ?? row.scope).split(' ').filter(Boolean);
        if (pair.exp * 1_000 > now) return response(pair, row, scope, now);
      } catch {
        // Cannot open: not the parent's holder. Fall through to reuse.
      }
    }
  }
  const ended = await services.revoked.revokeWhere(
    services.db,
    'id = $3',
    [row.family_id],
    'refresh_token_reuse',
  );
  await auditEndedSessions(services, ended, 'refresh_token_reuse');
  services.log.warn({ family: row.family_id, client: row.client_id }, 'refresh token reuse: family revoked');
  throw dead('refresh token was already used; the session has been ended');
}
