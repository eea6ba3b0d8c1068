import { hashToken } from '../crypto/opaque-token.js';
import type { Services } from '../services.js';
import { sessionlessUserActive } from './sessionless-user.js';

/**
 * What a token handed to introspection or revocation turns out to be. Our two kinds have disjoint
 * shapes — access tokens are compact JWS (three dot-separated parts), refresh tokens opaque strings —
 * so `token_type_hint` is never needed to find one (RFC 7662 §2.1 and RFC 7009 §2.1 both require the
 * server to search every kind when the hint is wrong anyway).
 */
export interface PresentedToken {
  kind: 'access_token' | 'refresh_token';
  clientId: string;
  sub: string;
  scope: string;
  /** The refresh family (JWT `sid`); absent for client_credentials access tokens. */
  sid: string | undefined;
  iat: number;
  exp: number;
  aud: string;
  jti: string | undefined;
  /**
   * Usable right now: unexpired and its session alive; for a refresh token also not yet rotated
   * and its user not blocked — exactly what the token endpoint would accept.
   */
  active: boolean;
}

interface RefreshRow {
  family_id: string;
  issued_at: Date;
  expires_at: Date;
  consumed_at: Date | null;
  client_id: string;
  user_sub: string;
  scope: string;
  revoked_at: Date | null;
  family_expires_at: Date;
  status: string;
}

const SELECT_REFRESH = `
  SELECT t.family_id, t.issued_at, t.expires_at, t.consumed_at,
         f.client_id, f.user_sub, f.scope, f.revoked_at, f.expires_at AS family_expires_at, u.status
  FROM refresh_tokens t
  JOIN refresh_families f ON f.id = t.family_id
  JOIN users u ON u.sub = f.user_sub
  WHERE t.hash = $1`;

const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
// Our refresh tokens are ~47 characters; anything far longer is not one and costs no query.
const MAX_OPAQUE_LENGTH = 512;

/**
 * Finds the token, live or not, or `undefined` when it is not one of ours (unknown, forged, signed
 * by an unpublished key, an ID token, another issuer's). Access tokens cost no database round trip.
 */
export async function findPresentedToken(
  services: Services,
  token: string,
): Promise<PresentedToken | undefined> {
  const nowSeconds = Math.floor(services.clock.now() / 1_000);
  if (JWS_SHAPE.test(token)) {
    const claims = services.verifier.verify(token, { allowExpired: true, allowRevoked: true });
    if (!claims) return undefined;
    const sid = typeof claims.sid === 'string' ? claims.sid : undefined;
    // Removing a client ends its users' sessions (their sids die), but a client_credentials token
    // has no session: without this it would stay active for its whole lifetime after the client —
    // say, one whose secret leaked — was removed. The lookup is the registry's cache.
    const registered = (await services.clients.get(claims.client_id)) !== undefined;
    const userActive = sid !== undefined || (await sessionlessUserActive(services, { sub: claims.sub, sid }));
    return {
      kind: 'access_token',
      clientId: claims.client_id,
      sub: claims.sub,
      scope: claims.scope,
      sid,
      iat: claims.iat,
      exp: claims.exp,
      aud: claims.aud,
      jti: claims.jti,
      active:
        registered &&
        userActive &&
        claims.exp > nowSeconds &&
        (sid === undefined || !services.revoked.isRevoked(sid)),
    };
  }
  if (token.length > MAX_OPAQUE_LENGTH) return undefined;
  const row = (await services.db.query<RefreshRow>(SELECT_REFRESH, [hashToken(token)]))[0];
  if (!row) return undefined;
  const nowMs = services.clock.now();
  const exp = Math.min(row.expires_at.getTime(), row.family_expires_at.getTime());
  return {
    kind: 'refresh_token',
    clientId: row.client_id,
    sub: row.user_sub,
    scope: row.scope,
    sid: row.family_id,
    iat: Math.floor(row.issued_at.getTime() / 1_000),
    exp: Math.floor(exp / 1_000),
    aud: services.config.envId,
    jti: undefined,
    active: row.consumed_at === null && row.revoked_at === null && exp > nowMs && row.status === 'ACTIVE',
  };
}
