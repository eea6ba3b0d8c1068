import { type RandomBytes, secureRandomBytes } from '@lingpai/auth-core';
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
 * Refuses a shared secret an attacker could guess: HMAC takes any key, even an empty one, so a
 * 0-byte or 1-byte secret yields codes that look fine and are a lookup table away from forged.
 */
export function assertSecret(
  secret: unknown,
  minSecretBytes: number | undefined,
): asserts secret is Uint8Array {
  const min = resolveMinSecretBytes(minSecretBytes);
  // A base32 string passed by mistake would be used as its ASCII bytes: working codes, wrong key.
  if (!(secret instanceof Uint8Array)) {
    throw new OtpError(
      'OTP_INVALID_ARGUMENT',
      'secret must be a Uint8Array (decode base32 with base32Decode)',
    );
  }
  if (secret.length < min) {
    throw new OtpError(
      'OTP_SECRET_TOO_SHORT',
      `secret is ${secret.length} bytes; at least ${min} required (RFC 4226 §4 asks for 128 bits)` +
        (min > LEGACY_MIN_SECRET_BYTES && secret.length >= LEGACY_MIN_SECRET_BYTES
          ? `; pass minSecretBytes: ${LEGACY_MIN_SECRET_BYTES} to import a legacy 80-bit secret`
          : ''),
    );
  }
}
