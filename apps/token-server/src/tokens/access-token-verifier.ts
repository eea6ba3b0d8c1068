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
  readonly #signed = new Map<string, { kid: string; payload: Record<string, unknown> }>();

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
    const claims = this.#signedPayload(token);
    if (!claims) return undefined;
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
    // A copy: the cached payload must not change with what a caller does to its claims.
    return { ...claims } as unknown as AccessTokenClaims;
  }

  /**
   * The payload of a token whose `typ` and signature hold under a key still allowed to verify.
   * Signatures are remembered by the exact token string (a client presents the same token on every
   * call, and an RSA verification costs far more than the rest of a Bearer route); the key is
   * looked up again on every hit, so a revoked or retired key stops its tokens at once, and every
   * other check (expiry, issuer, audience, a dead `sid`) runs each time in `verify`.
   */
  #signedPayload(token: string): Record<string, unknown> | undefined {
    const hit = this.#signed.get(token);
    if (hit) {
      if (this.#keys.verificationKey(hit.kid) !== undefined) return hit.payload;
      this.#signed.delete(token);
      return undefined;
    }
    const decoded = decodeJwt(token);
    if (decoded?.header.typ !== 'at+jwt') return undefined;
    const key = this.#keys.verificationKey(decoded.header.kid);
    if (!key || !verifyJwtSignature(decoded, key)) return undefined;
    // Bounded: the oldest entry goes first (Map keeps insertion order).
    if (this.#signed.size >= SIGNED_CACHE_SIZE) this.#signed.delete(this.#signed.keys().next().value!);
    this.#signed.set(token, { kid: key.kid, payload: decoded.payload });
    return decoded.payload;
  }
}

/** Verified signatures kept (each entry is one access token, about 1 KB). */
const SIGNED_CACHE_SIZE = 10_000;
