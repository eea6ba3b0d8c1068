import { hashToken, newOpaqueToken } from '../crypto/opaque-token.js';
import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import type { Queryable } from '../storage/database.js';

/** A visible prefix, so a sudo_token pasted where a refresh token belongs is recognisable. */
export const SUDO_TOKEN_PREFIX = 'lpsudo.';

/** How the user proved themselves again: RFC 8176 `pwd` (password) or `otp` (a code). */
export type SudoMethod = 'pwd' | 'otp' | 'provider';

/**
 * Mints a `sudo_token` for the signed-in user after a fresh password or code check: 256 random bits,
 * only its SHA-256 stored, bound to the user and to the session (`sid`) it was minted in, valid for
 * `lifetimes.sudoToken` seconds (10 minutes by default) and for one sensitive change.
 */
export async function issueSudoToken(
  services: Services,
  input: { sub: string; sid: string | undefined; method: SudoMethod },
): Promise<{ sudo_token: string; expires_in: number }> {
  const now = services.clock.now();
  const lifetime = services.config.lifetimes.sudoToken;
  const token = newOpaqueToken(services.random, SUDO_TOKEN_PREFIX);
  // The user's spent and expired tokens go as a new one comes, so the table stays as small as the
  // number of users re-checking right now without waiting for a sweep.
  await services.db.query(
    'DELETE FROM sudo_tokens WHERE user_sub = $1 AND (expires_at <= $2 OR consumed_at IS NOT NULL)',
    [input.sub, new Date(now)],
  );
  await services.db.query(
    `INSERT INTO sudo_tokens (hash, user_sub, family_id, method, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      hashToken(token),
      input.sub,
      input.sid ?? null,
      input.method,
      new Date(now),
      new Date(now + lifetime * 1_000),
    ],
  );
  return { sudo_token: token, expires_in: lifetime };
}

/**
 * Contract U: spends a `sudo_token` of user `sub`, or throws `sudo_required` (403). One conditional
 * UPDATE decides: the token must be this user's, unexpired, unspent, and its session still live — so
 * of two parallel changes with one token exactly one goes ahead, on any instance. Pass the Bearer
 * token's `sid` as `options.sid` to also refuse a token minted in another session of the same user,
 * and `options.db` to spend it inside the transaction of the change it authorises (rolled back with
 * it). Callers check everything else about the request first, so a refusal for a bad new password
 * does not cost the user their sudo_token.
 */
export async function requireSudo(
  services: Services,
  sub: string,
  sudoToken: string | undefined,
  options: { sid?: string; db?: Queryable } = {},
): Promise<void> {
  if (sudoToken === undefined || sudoToken === '' || sudoToken.length > 256)
    throw new TokenServerError(
      'sudo_required',
      'this change needs a sudo_token from POST /auth/v1/user/sudo',
    );
  const now = new Date(services.clock.now());
  const rows = await (options.db ?? services.db).query(
    `UPDATE sudo_tokens s SET consumed_at = $1
     WHERE s.hash = $2 AND s.user_sub = $3 AND s.consumed_at IS NULL AND s.expires_at > $1
       AND ($4::text IS NULL OR s.family_id = $4)
       AND (s.family_id IS NULL OR EXISTS (
         SELECT 1 FROM refresh_families f WHERE f.id = s.family_id AND f.revoked_at IS NULL))
     RETURNING s.hash`,
    [now, hashToken(sudoToken), sub, options.sid ?? null],
  );
  if (rows.length === 0)
    throw new TokenServerError(
      'sudo_required',
      'the sudo_token is invalid, expired, already used or from another session: get a new one',
    );
}
