import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SIGNING_ERROR_CODES, SignatureError } from '../errors.js';

/** What a signer hashes: text is UTF-8 encoded, bytes are used as they are. */
export type SignableBody = string | Uint8Array;

const RFC3986_EXTRA = /[!'()*]/g;
const RFC3986_EXTRA_TEST = /[!'()*]/;

function encodeExtra(char: string): string {
  return `%${char.charCodeAt(0).toString(16).toUpperCase()}`;
}

/**
 * RFC 3986 percent-encoding as Aliyun, AWS SigV4 and Volcengine define it: everything except
 * `A-Z a-z 0-9 - _ . ~` is encoded as UTF-8 `%XX` (upper-case hex); space is `%20`, never `+`.
 */
export function percentEncode(value: string): string {
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

/** Lowercase hex SHA-256. */
export function sha256Hex(data: SignableBody): string {
  return createHash('sha256').update(data).digest('hex');
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

/** `yyyy-MM-ddTHH:mm:ssZ` in UTC (Aliyun Timestamp / x-acs-date, Huawei Created). */
export function isoSeconds(epochMs: number): string {
  const iso = toIso(epochMs);
  return `${iso.slice(0, 19)}Z`;
}

/** `yyyyMMddTHHmmssZ` in UTC (AWS X-Amz-Date, Volcengine X-Date). */
export function compactIsoSeconds(epochMs: number): string {
  const iso = toIso(epochMs);
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** `yyyy-MM-dd` in UTC. */
export function isoDate(epochMs: number): string {
  return toIso(epochMs).slice(0, 10);
}

function toIso(epochMs: number): string {
  const date = new Date(epochMs);
  if (Number.isNaN(date.getTime())) {
    throw new SignatureError(SIGNING_ERROR_CODES.SIGNATURE_INVALID_INPUT, `clock returned ${epochMs}`);
  }
  return date.toISOString();
}

/** Constant-time string comparison (length is not secret: every signature of a scheme has the same length). */
export function constantTimeEqual(actual: string, expected: string): boolean {
  const a = Buffer.from(actual, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
