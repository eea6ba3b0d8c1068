import { describeValue } from '../config-error.js';
import { LingpaiError, type LingpaiErrorOptions } from '../errors.js';

/** Codes thrown by the signers when their input cannot be signed. Stable: switch on them. */
export const SIGNING_ERROR_CODES = {
  /** A credential (key id, secret) is missing or empty. */
  SIGNATURE_MISSING_CREDENTIALS: 'SIGNATURE_MISSING_CREDENTIALS',
  /** The request cannot be signed as given (bad URL, unencodable text, missing host/action). */
  SIGNATURE_INVALID_INPUT: 'SIGNATURE_INVALID_INPUT',
} as const;
export type SigningErrorCode = (typeof SIGNING_ERROR_CODES)[keyof typeof SIGNING_ERROR_CODES];

/** Codes thrown by `createApiKeyVerifier(...).verify` and `legacyPresets[…].verify`, in the order the verifier's checks run. */
export const API_KEY_SIGNATURE_ERROR_CODES = {
  SIGNATURE_MISSING_HEADER: 'SIGNATURE_MISSING_HEADER',
  SIGNATURE_STALE_TIMESTAMP: 'SIGNATURE_STALE_TIMESTAMP',
  /** The request is for a host the verifier does not serve (or names none). */
  SIGNATURE_WRONG_HOST: 'SIGNATURE_WRONG_HOST',
  SIGNATURE_UNKNOWN_KEY: 'SIGNATURE_UNKNOWN_KEY',
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  /** The key id has recorded `maxNoncesPerKey` nonces in the current window (its own flood). */
  SIGNATURE_NONCE_LIMIT: 'SIGNATURE_NONCE_LIMIT',
  /** The nonce store is full (`STORE_FULL`): the nonce cannot be recorded, so the request is refused. */
  SIGNATURE_NONCE_STORE_FULL: 'SIGNATURE_NONCE_STORE_FULL',
  SIGNATURE_REUSED_NONCE: 'SIGNATURE_REUSED_NONCE',
} as const;
export type ApiKeySignatureErrorCode =
  (typeof API_KEY_SIGNATURE_ERROR_CODES)[keyof typeof API_KEY_SIGNATURE_ERROR_CODES];

/** Base class of every signing and signature-verification error. Never retryable. */
export class SignatureError<Code extends string = SigningErrorCode> extends LingpaiError<Code> {
  constructor(code: Code, message: string, options: LingpaiErrorOptions = {}) {
    super(code, message, { ...options, retryable: false });
  }
}

/** A request failed API-key signature verification. Answer 401 and do not say which check failed. */
export class ApiKeySignatureError extends SignatureError<ApiKeySignatureErrorCode> {}

/**
 * Throws `SIGNATURE_MISSING_CREDENTIALS` unless `value` is a non-empty string. The message names the
 * field and where it usually comes from: "signTencentTc3: `secretKey` is undefined — is
 * TENCENTCLOUD_SECRET_KEY set?" (an unset environment variable is the usual cause). A string value is
 * never echoed: it may be a secret.
 */
export function requireCredential(value: unknown, name: string, owner: string, envVar?: string): string {
  if (typeof value === 'string' && value.length > 0) return value;
  const where = envVar === undefined ? `pass it in the credentials` : `is ${envVar} set?`;
  const message =
    value === undefined || value === null || value === ''
      ? `${owner}: \`${name}\` is ${describeValue(value)} — ${where}`
      : `${owner}: \`${name}\` must be a string, got ${describeValue(value)}`;
  throw new SignatureError(SIGNING_ERROR_CODES.SIGNATURE_MISSING_CREDENTIALS, message);
}

/** Throws `SIGNATURE_MISSING_CREDENTIALS` unless `credentials` is an object (`fields` name what it needs). */
export function requireCredentialsObject<T>(credentials: T, owner: string, fields: string): NonNullable<T> {
  if (typeof credentials === 'object' && credentials !== null) return credentials as NonNullable<T>;
  throw new SignatureError(
    SIGNING_ERROR_CODES.SIGNATURE_MISSING_CREDENTIALS,
    `${owner}: the credentials are ${describeValue(credentials)} — pass { ${fields} }`,
  );
}

/** Throws `SIGNATURE_INVALID_INPUT` unless `value` is a non-empty string. */
export function requireInput(value: unknown, name: string, owner?: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new SignatureError(
      SIGNING_ERROR_CODES.SIGNATURE_INVALID_INPUT,
      `${owner === undefined ? '' : `${owner}: `}\`${name}\` is ${describeValue(value)}, expected a non-empty string`,
    );
  }
  return value;
}

/** Throws `SIGNATURE_INVALID_INPUT` unless the request is an object. */
export function requireRequestObject<T>(request: T, owner: string): NonNullable<T> {
  if (typeof request === 'object' && request !== null) return request as NonNullable<T>;
  throw new SignatureError(
    SIGNING_ERROR_CODES.SIGNATURE_INVALID_INPUT,
    `${owner}: the request is ${describeValue(request)}, expected an object`,
  );
}
