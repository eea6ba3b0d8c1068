import { type RandomBytes, secureRandomBytes } from '@lingpai/auth-core';
import { base32Decode, normalizeBase32 } from './base32.js';
import { OtpError } from './errors.js';

/** RFC 4226 §4 (R6): the shared secret MUST be at least 128 bits. The default floor everywhere. */
export const MIN_SECRET_BYTES = 16;
/**
 * The lowest `minSecretBytes` accepted: 80 bits, the size many authenticator apps and older
 * enrolments used (16 base32 characters). Only for importing such secrets; new ones are 20 bytes.
 */
export const LEGACY_MIN_SECRET_BYTES = 10;
const MAX_SECRET_BYTES = 64;

export interface GenerateSecretOptions {
  /** Secret size in bytes. Default 20 (160 bits, RFC 4226 R6 recommends); at least 16, at most 64. */
  bytes?: number;
  random?: RandomBytes;
}

/** A fresh TOTP/HOTP shared secret from a CSPRNG. Encode it with `base32Encode` for people and URIs. */
export function generateSecret(options: GenerateSecretOptions = {}): Uint8Array {
  const size = options.bytes ?? 20;
  if (!Number.isInteger(size) || size < MIN_SECRET_BYTES || size > MAX_SECRET_BYTES) {
    throw new OtpError(
      'OTP_INVALID_ARGUMENT',
      'secret size must be 16 to 64 bytes (RFC 4226 requires 128 bits)',
    );
  }
  const bytes = (options.random ?? secureRandomBytes)(size);
  if (bytes.length !== size)
    throw new OtpError('OTP_INVALID_ARGUMENT', 'random source returned the wrong size');
  return bytes;
}

/** Validates a `minSecretBytes` option: 10 (legacy imports) to 64; default 16. */
export function resolveMinSecretBytes(minSecretBytes: number | undefined): number {
  const min = minSecretBytes ?? MIN_SECRET_BYTES;
  if (!Number.isInteger(min) || min < LEGACY_MIN_SECRET_BYTES || min > MAX_SECRET_BYTES) {
    throw new OtpError(
      'OTP_INVALID_ARGUMENT',
      `minSecretBytes must be an integer from ${LEGACY_MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES}, got ${String(min)}`,
    );
  }
  return min;
}

/**
 * A TOTP/HOTP shared secret: the key bytes, or the base32 text that authenticator apps, otpauth
 * URIs and most databases hold (`JBSW Y3DP…`; case, spaces, hyphens and padding do not matter).
 */
export type OtpSecret = Uint8Array | string;

/**
 * The key bytes of `secret`, refusing one an attacker could guess: HMAC takes any key, even an
 * empty one, so a 0-byte or 1-byte secret yields codes that look fine and are a lookup table away
 * from forged. A string is base32, never its UTF-8 bytes: a base32 secret HMAC'd as ASCII gave
 * codes that never matched the user's app.
 */
export function secretBytes(secret: unknown, minSecretBytes: number | undefined): Uint8Array {
  const min = resolveMinSecretBytes(minSecretBytes);
  let bytes: Uint8Array;
  if (secret instanceof Uint8Array) bytes = secret;
  else if (typeof secret === 'string') bytes = decodeSecretText(secret);
  else {
    throw new OtpError(
      'OTP_INVALID_ARGUMENT',
      `secret is ${secret === null ? 'null' : typeof secret}; pass the key as a Uint8Array or as base32 text` +
        (secret === undefined ? ' (is the stored secret loaded?)' : ''),
    );
  }
  if (bytes.length < min) {
    throw new OtpError(
      'OTP_SECRET_TOO_SHORT',
      `secret is ${bytes.length} bytes; at least ${min} required (RFC 4226 §4 asks for 128 bits)` +
        (min > LEGACY_MIN_SECRET_BYTES && bytes.length >= LEGACY_MIN_SECRET_BYTES
          ? `; pass minSecretBytes: ${LEGACY_MIN_SECRET_BYTES} to import a legacy 80-bit secret`
          : ''),
    );
  }
  return bytes;
}

function decodeSecretText(text: string): Uint8Array {
  try {
    return base32Decode(normalizeBase32(text));
  } catch (error) {
    // Never echo the text: it is the secret.
    throw new OtpError(
      'OTP_INVALID_BASE32',
      'a string secret is read as base32 (A-Z, 2-7), and this one is not; pass raw key bytes as a Uint8Array',
      { cause: error },
    );
  }
}
