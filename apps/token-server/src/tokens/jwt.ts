import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { SigningAlgorithm, SigningKey } from '../keys/signing-key.js';

const DIGEST: Record<SigningAlgorithm, string | null> = { RS256: 'sha256', ES256: 'sha256', EdDSA: null };

function b64(json: unknown): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

// The protected header depends only on the key and `typ`: encode it once per pair, not per token.
const headers = new WeakMap<SigningKey, Map<string, string>>();
function headerSegment(key: SigningKey, typ: string): string {
  let byTyp = headers.get(key);
  if (!byTyp) {
    byTyp = new Map();
    headers.set(key, byTyp);
  }
  let segment = byTyp.get(typ);
  if (segment === undefined) {
    segment = b64({ alg: key.alg, typ, kid: key.kid });
    byTyp.set(typ, segment);
  }
  return segment;
}

/**
 * Signs a compact JWS. `crypto.sign` with a callback runs on libuv's thread pool, so RSA signing
 * does not block the event loop; the key is a cached `KeyObject`.
 */
export function signJwt(payload: object, key: SigningKey, typ: string): Promise<string> {
  const signingInput = `${headerSegment(key, typ)}.${b64(payload)}`;
  return new Promise((resolve, reject) => {
    cryptoSign(
      DIGEST[key.alg],
      Buffer.from(signingInput),
      // JWS wants ECDSA signatures as r‖s; RSA and Ed25519 have one encoding, so they take the bare
      // KeyObject (Node then skips parsing an options object on every call).
      key.alg === 'ES256' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' } : key.privateKey,
      (error, signature) => {
        if (error) reject(error);
        else resolve(`${signingInput}.${signature.toString('base64url')}`);
      },
    );
  });
}

export interface DecodedJwt {
  header: { alg?: unknown; kid?: unknown; typ?: unknown };
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** Splits and parses a compact JWS without trusting anything in it. Returns undefined when malformed. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  if (token.length > 8_192) return undefined;
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first <= 0 || second <= first + 1 || token.indexOf('.', second + 1) !== -1) return undefined;
  const [h, p, s] = [token.slice(0, first), token.slice(first + 1, second), token.slice(second + 1)];
  if (!B64URL.test(h) || !B64URL.test(p) || !B64URL.test(s)) return undefined;
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null || Array.isArray(header)) return undefined;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
    return {
      header: header as DecodedJwt['header'],
      payload: payload as Record<string, unknown>,
      signingInput: token.slice(0, second),
      signature: Buffer.from(s, 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/**
 * Checks a signature with the key the `kid` names. The algorithm comes from our key record, never
 * from the token: `alg: none`, `HS256` with the public key as secret and any mismatch fail here.
 */
export function verifyJwtSignature(
  decoded: DecodedJwt,
  key: { alg: SigningAlgorithm; publicKey: KeyObject },
): boolean {
  if (decoded.header.alg !== key.alg) return false;
  try {
    return cryptoVerify(
      DIGEST[key.alg],
      Buffer.from(decoded.signingInput),
      { key: key.publicKey, dsaEncoding: 'ieee-p1363' },
      decoded.signature,
    );
  } catch {
    return false;
  }
}
