import type { Clock } from '@lingpai/auth-core';
import type { KeyRing } from '../keys/key-ring.js';
import { decodeJwt, verifyJwtSignature } from './jwt.js';
import type { RevokedSessions } from './revoked-sessions.js';

export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  scope: string;
  groups: string[];
  sid?: string;
  auth_time?: number;
}

/**
 * Verifies our own access tokens: signature with a published key of the token's `kid` (algorithm
 * from the key, never the header), `typ`, issuer, audience, expiry, and — what an offline verifier
 * cannot do — that its session (`sid`) has not ended. No database round trip.
 */
export class AccessTokenVerifier {
  readonly #keys: KeyRing;
  readonly #revoked: RevokedSessions;
  readonly #clock: Clock;
  readonly #issuer: string;
  readonly #audience: string;

  constructor(options: {
    keys: KeyRing;
    revoked: RevokedSessions;
    clock: Clock;
    issuer: string;
    audience: string;
  }) {
    this.#keys = options.keys;
    this.#revoked = options.revoked;
    this.#clock = options.clock;
    this.#issuer = options.issuer;
    this.#audience = options.audience;
  }

  /**
   * The claims when the token is ours and live. `allowExpired` and `allowRevoked` relax only those
   * two checks (signature, `typ`, issuer and audience always hold): sign-out and revocation end the
   * session of a token that may have just expired, and a second sign-out of a dead one is idempotent.
   */
  verify(
    token: string,
    options: { allowExpired?: boolean; allowRevoked?: boolean } = {},
  ): AccessTokenClaims | undefined {
    const decoded = decodeJwt(token);
    if (decoded?.header.typ !== 'at+jwt') return undefined;
    const key = this.#keys.verificationKey(decoded.header.kid);
    if (!key || !verifyJwtSignature(decoded, key)) return undefined;
    const claims = decoded.payload;
    const now = Math.floor(this.#clock.now() / 1_000);
    if (claims.iss !== this.#issuer || claims.aud !== this.#audience) return undefined;
    if (typeof claims.exp !== 'number' || (claims.exp <= now && !options.allowExpired)) return undefined;
    if (
      typeof claims.sub !== 'string' ||
      typeof claims.client_id !== 'string' ||
      typeof claims.scope !== 'string'
    )
      return undefined;
    if (
      claims.sid !== undefined &&
      (typeof claims.sid !== 'string' || (!options.allowRevoked && this.#revoked.isRevoked(claims.sid)))
    )
      return undefined;
    return claims as unknown as AccessTokenClaims;
  }
}
