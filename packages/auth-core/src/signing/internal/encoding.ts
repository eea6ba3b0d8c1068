import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import { SIGNING_ERROR_CODES, SignatureError } from '../errors.js';

/** What a signer hashes: text is UTF-8 encoded, bytes are used as they are. */
export type SignableBody = string | Uint8Array;

const RFC3986_EXTRA = /[!'()*]/g;
const RFC3986_EXTRA_TEST = /[!'()*]/;
const UNRESERVED_ONLY = /^[A-Za-z0-9\-_.~]*$/;

function encodeExtra(char: string): string {
  return `%${char.charCodeAt(0).toString(16).toUpperCase()}`;
}

/**
 * RFC 3986 percent-encoding as Aliyun, AWS SigV4 and Volcengine define it: everything except
 * `A-Z a-z 0-9 - _ . ~` is encoded as UTF-8 `%XX` (upper-case hex); space is `%20`, never `+`.
 */
export function percentEncode(value: string): string {
  // Most names and many values (ids, dates, numbers) need no escape; the test is a third of the
  // cost of encoding them.
  if (UNRESERVED_ONLY.test(value)) return value;
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch (cause) {
    // Only a lone UTF-16 surrogate gets here; it has no UTF-8 form, so no server could check it.
    throw new SignatureError(SIGNING_ERROR_CODES.SIGNATURE_INVALID_INPUT, 'text is not valid UTF-16', {
      cause,
    });
  }
  // encodeURIComponent leaves ! ' ( ) * alone; RFC 3986 reserves them. The test skips the regex
  // replacement (and its allocation) for the common case.
  return RFC3986_EXTRA_TEST.test(encoded) ? encoded.replace(RFC3986_EXTRA, encodeExtra) : encoded;
}

/**
 * Lowercase hex SHA-256. `crypto.hash` is the one-shot form (Node 20.12+): no Hash object, about
 * 40 % less time than `createHash().update().digest()` on the short texts signers hash.
 */
export function sha256Hex(data: SignableBody): string {
  return hash('sha256', data, 'hex');
}

/** Raw HMAC, for key-derivation chains. */
export function hmacBytes(algorithm: string, key: string | Uint8Array, data: string): Buffer {
  return createHmac(algorithm, key).update(data).digest();
}

/** HMAC as lowercase hex. */
export function hmacHex(algorithm: string, key: string | Uint8Array, data: string): string {
  return createHmac(algorithm, key).update(data).digest('hex');
}

/** HMAC as standard base64. */
export function hmacBase64(algorithm: string, key: string | Uint8Array, data: string): string {
  return createHmac(algorithm, key).update(data).digest('base64');
}

/** HMAC-SHA256 chain: key = HMAC(key, part) for each part in order. SigV4, Volcengine and TC3 derive keys this way. */
export function deriveHmacSha256Key(secret: string, parts: readonly string[]): Buffer {
  let key: string | Buffer = secret;
  for (const part of parts) key = createHmac('sha256', key).update(part).digest();
  return key as Buffer;
}

/** Derived signing keys kept at most (FIFO): a few per credential, region and service per day. */
export const SIGNING_KEY_CACHE_SIZE = 64;
const signingKeys = new Map<string, Buffer>();

/**
 * `deriveHmacSha256Key(secret, parts)`, remembered. The TC3 and V4 keys change once a day per
 * (secret, region, service), and deriving one is four HMACs, most of a signature's cost; a signer
 * that signs all day needs one derivation a day. The cache is keyed by a SHA-256 fingerprint of
 * the secret, never the secret itself, and by the parts with their lengths (so `a/b` + `c` and `a` +
 * `b/c` are different entries); it holds at most SIGNING_KEY_CACHE_SIZE keys, dropping the oldest.
 * The returned buffer is shared: read it, never write to it.
 */
export function cachedSigningKey(secret: string, parts: readonly string[]): Buffer {
  let cacheKey = hash('sha256', secret, 'base64');
  for (const part of parts) cacheKey += `|${part.length}:${part}`;
  let key = signingKeys.get(cacheKey);
  if (key === undefined) {
    key = deriveHmacSha256Key(secret, parts);
    if (signingKeys.size >= SIGNING_KEY_CACHE_SIZE) {
      signingKeys.delete(signingKeys.keys().next().value as string);
    }
    signingKeys.set(cacheKey, key);
  }
  return key;
}

/** How many derived keys are cached (for tests of the bound). */
export function signingKeyCacheSize(): number {
  return signingKeys.size;
}

/** `yyyy-MM-ddTHH:mm:ssZ` in UTC (Aliyun Timestamp / x-acs-date, Huawei Created). */
export function isoSeconds(epochMs: number): string {
  return secondsOf(epochMs).iso;
}

/** `yyyyMMddTHHmmssZ` in UTC (AWS X-Amz-Date, Volcengine X-Date). */
export function compactIsoSeconds(epochMs: number): string {
  return secondsOf(epochMs).compact;
}

/** `yyyy-MM-dd` in UTC. */
export function isoDate(epochMs: number): string {
  return secondsOf(epochMs).iso.slice(0, 10);
}

interface SecondStrings {
  second: number;
  iso: string;
  compact: string;
}

// The last second formatted. Signers run many times a second and `toISOString` costs about as much
// as a SHA-256 of the request, so the strings are made once per second (per process).
let lastSecond: SecondStrings = { second: Number.NaN, iso: '', compact: '' };

function secondsOf(epochMs: number): SecondStrings {
  const second = Math.floor(epochMs / 1000);
  if (second === lastSecond.second) return lastSecond;
  const date = new Date(second * 1000);
  if (Number.isNaN(date.getTime())) {
    throw new SignatureError(SIGNING_ERROR_CODES.SIGNATURE_INVALID_INPUT, `clock returned ${epochMs}`);
  }
  const full = date.toISOString(); // yyyy-MM-ddTHH:mm:ss.sssZ
  const iso = `${full.slice(0, 19)}Z`;
  const compact = `${full.slice(0, 4)}${full.slice(5, 7)}${full.slice(8, 13)}${full.slice(14, 16)}${full.slice(17, 19)}Z`;
  lastSecond = { second, iso, compact };
  return lastSecond;
}

/** Constant-time string comparison (length is not secret: every signature of a scheme has the same length). */
export function constantTimeEqual(actual: string, expected: string): boolean {
  const a = Buffer.from(actual, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
