import type { KeyRing } from '../keys/key-ring.js';
import { decodeJwt, verifyJwtSignature } from './jwt.js';

/** What a logout needs from an `id_token_hint`: who, for which client, and which session. */
export interface IdTokenHint {
  sub: string;
  /** The client the ID token was issued to (its `aud`). */
  clientId: string;
  /** The refresh family (session) the ID token was issued with, when it had one. */
  sid?: string;
}

/**
 * Verifies an `id_token_hint` (OIDC RP-Initiated Logout 1.0 §2): one of *our* ID tokens — `typ`
 * `JWT` (an access token, `at+jwt`, is not a hint), signature under a key still allowed to verify
 * (algorithm from the key, never the header), our issuer, a single string audience, a subject.
 * Its expiry is not checked: the spec asks the OP to accept an expired hint, since a user often signs
 * out long after the ID token's short life. Undefined for anything else — forged, another issuer's,
 * malformed.
 */
export function verifyIdTokenHint(keys: KeyRing, issuer: string, token: string): IdTokenHint | undefined {
  const decoded = decodeJwt(token);
  if (decoded === undefined || decoded.header.typ !== 'JWT') return undefined;
  const key = keys.verificationKey(decoded.header.kid);
  if (!key || !verifyJwtSignature(decoded, key)) return undefined;
  const { iss, sub, aud, sid, exp } = decoded.payload;
  if (iss !== issuer || typeof sub !== 'string' || typeof aud !== 'string' || typeof exp !== 'number')
    return undefined;
  if (sid !== undefined && typeof sid !== 'string') return undefined;
  return { sub, clientId: aud, ...(sid === undefined ? {} : { sid }) };
}
