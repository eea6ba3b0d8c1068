import { type RandomBytes, secureRandomBytes } from '@lingpai/auth-core';
import { OtpError } from './errors.js';

export interface GenerateSecretOptions {
  /** Secret size in bytes. Default 20 (160 bits, RFC 4226 R6 recommends); at least 16, at most 64. */
  bytes?: number;
  random?: RandomBytes;
}

/** A fresh TOTP/HOTP shared secret from a CSPRNG. Encode it with `base32Encode` for people and URIs. */
export function generateSecret(options: GenerateSecretOptions = {}): Uint8Array {
  const size = options.bytes ?? 20;
  if (!Number.isInteger(size) || size < 16 || size > 64) {
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
