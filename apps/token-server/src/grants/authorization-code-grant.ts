import { GRANT_TYPES } from '../clients/client.js';
import { acceptsRedirectUri } from '../clients/redirect-uri-match.js';
import { hashToken } from '../crypto/opaque-token.js';
import { TokenServerError } from '../errors.js';
import { type ChallengeMethod, isValidVerifier, verifierMatches } from '../interactions/pkce.js';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../storage/database.js';
import { auditEndedSessions } from '../tokens/ended-session-audit.js';
import type { TokenResponse } from '../tokens/token-response.js';
import { assertUserMaySignIn } from '../users/user-status.js';
import { type GrantContext, requireParam } from './grant-context.js';

interface CodeRow {
  hash: string;
  client_id: string;
  user_sub: string;
  redirect_uri: string;
  scope: string;
  code_challenge: string | null;
  code_challenge_method: ChallengeMethod | null;
  nonce: string | null;
  auth_time: Date;
  amr: string[];
  expires_at: Date;
  consumed_at: Date | null;
  family_id: string | null;
}

const invalid = (description: string) => new TokenServerError('invalid_grant', description);

// The one statement that decides every race: of N exchanges of one code, on any number of
// instances, exactly one sees consumed_at IS NULL. Losers block on the row lock until the winner's
// transaction ends, so they then see its family_id and can revoke it.
const CONSUME = `UPDATE authorization_codes SET consumed_at = $2
  WHERE hash = $1 AND consumed_at IS NULL AND expires_at > $2 RETURNING hash`;

/**
 * RFC 6749 §4.1.3 with RFC 7636 PKCE, to RFC 9700:
 *
 * - codes are single use; a code presented again is refused and everything it issued is revoked
 *   (RFC 6749 §4.1.2 "SHOULD revoke"; its family is stored on the code row);
 * - bound to the client it was issued to and to the exact redirect_uri of the authorization request;
 * - PKCE: a stored challenge needs a 43–128 character verifier that matches (S256, or plain where the
 *   authorization endpoint allowed it); a verifier for a code issued without a challenge is refused
 *   (RFC 9700 §4.8, PKCE downgrade);
 * - tokens carry the login's `auth_time` and `amr`, and an ID token with the request's `nonce` when
 *   `openid` was granted.
 *
 * Checks that a thief without the verifier fails run before the code is consumed, so a failed
 * attempt by someone else cannot burn the legitimate client's code.
 */
export async function authorizationCodeGrant(context: GrantContext): Promise<TokenResponse> {
  const { client, services } = context;
  if (!client.grantTypes.includes(GRANT_TYPES.authorizationCode)) {
    throw new TokenServerError('unauthorized_client', 'this client may not use the authorization code grant');
  }
  const code = requireParam(context, 'code');
  const redirectUri = requireParam(context, 'redirect_uri');
  const verifier = context.params.code_verifier;
  if (verifier !== undefined && !isValidVerifier(verifier)) {
    throw new TokenServerError(
      'invalid_request',
      'code_verifier must be 43–128 unreserved characters (RFC 7636)',
    );
  }
  if (code.length > 256) throw invalid('the authorization code is invalid or expired');

  const hash = hashToken(code);
  const row = (
    await services.db.query<CodeRow>('SELECT * FROM authorization_codes WHERE hash = $1', [hash])
  )[0];
  const now = services.clock.now();
  // Another client's code is simply invalid for this one (not a reuse: it must not revoke anything).
  if (!row || row.client_id !== client.id) throw invalid('the authorization code is invalid or expired');
  if (row.consumed_at !== null) return reuse(context, hash);
  if (row.expires_at.getTime() <= now) throw invalid('the authorization code is invalid or expired');
  if (row.redirect_uri !== redirectUri) {
    throw invalid('redirect_uri does not match the authorization request');
  }
  // A redirect_uri the client has since stopped registering (a lost domain) redeems nothing.
  if (!acceptsRedirectUri(client, row.redirect_uri)) {
    throw invalid('redirect_uri is no longer registered for this client');
  }
  if (row.code_challenge === null) {
    if (verifier !== undefined) {
      throw invalid('code_verifier sent, but the authorization request had no code_challenge');
    }
    if (client.kind === 'public') throw invalid('the authorization code is invalid or expired');
  } else {
    if (verifier === undefined) throw invalid('code_verifier is required');
    if (!verifierMatches(verifier, row.code_challenge, row.code_challenge_method ?? 'S256')) {
      throw invalid('code_verifier does not match the code_challenge');
    }
  }
  const user = await services.users.findBySub(row.user_sub);
  if (!user) throw invalid('the authorization code is invalid or expired');
  // A code issued before a block redeems nothing (the block also consumes open codes; and the
  // family below starts only for an ACTIVE user, decided in the same statement).
  assertUserMaySignIn(user.status, 'oauth');

  const scope = row.scope.split(' ').filter(Boolean);
  const exchange = () =>
    services.db.transaction(async (tx) => {
      const won = await tx.query(CONSUME, [hash, new Date(services.clock.now())]);
      if (won.length === 0) return undefined;
      const issued = await services.issuer.issueForUser(
        {
          user: { sub: user.sub, groups: user.groups },
          client,
          scope,
          deviceId: context.deviceId,
          authTime: row.auth_time.getTime(),
          amr: row.amr,
          ...(row.nonce === null ? {} : { nonce: row.nonce }),
        },
        tx,
      );
      if (issued.familyId !== undefined) {
        await tx.query('UPDATE authorization_codes SET family_id = $2 WHERE hash = $1', [
          hash,
          issued.familyId,
        ]);
      }
      return issued;
    });
  let issued: Awaited<ReturnType<typeof exchange>>;
  try {
    issued = await exchange();
  } catch (error) {
    // Two sign-ins racing on one (user, client, device): the loser of the one-live-family index
    // retries once, ending the winner's family as a later sign-in would.
    if (pgErrorCode(error) !== PG_UNIQUE_VIOLATION) throw error;
    issued = await exchange();
  }
  if (issued === undefined) return reuse(context, hash);
  const { familyId: _familyId, ended, ...response } = issued as typeof issued & { ended?: string[] };
  if (ended !== undefined && ended.length > 0) await services.revoked.announce(ended);
  return response;
}

/** A consumed code presented again: revoke what it issued (its family), then refuse. */
async function reuse(context: GrantContext, hash: string): Promise<never> {
  const { services } = context;
  const row = (
    await services.db.query<{ family_id: string | null }>(
      'SELECT family_id FROM authorization_codes WHERE hash = $1',
      [hash],
    )
  )[0];
  if (row?.family_id) {
    const reason = 'authorization_code_reuse';
    const ended = await services.revoked.revokeWhere(services.db, 'id = $3', [row.family_id], reason);
    await auditEndedSessions(services, ended, reason, context.ip);
    services.log.warn({ client: context.client.id }, 'authorization code reuse: its tokens were revoked');
  }
  throw invalid('the authorization code was already used');
}
