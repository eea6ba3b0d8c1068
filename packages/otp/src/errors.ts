import { LingpaiError, type LingpaiErrorOptions } from '@lingpai/auth-core';

/**
 * Every error code thrown by `@lingpai/otp`, declared once. Switch on `error.code`, never on the
 * message. The values are stable across versions.
 */
export const OTP_ERROR_CODES = {
  /** The code's lifetime is over, the id is unknown, a newer code replaced it, or it was already used. */
  expired: 'OTP_EXPIRED',
  /** The code does not match; `details.attemptsLeft` says how many tries remain. */
  wrongCode: 'OTP_WRONG_CODE',
  /** The attempt limit for this code is used up; the code is dead and a new one must be sent. */
  tooManyAttempts: 'OTP_TOO_MANY_ATTEMPTS',
  /** A code was sent to this recipient too recently; `details.retryAfterSeconds`. */
  cooldown: 'OTP_COOLDOWN',
  /** A send cap (per recipient, IP, device, country or global) is reached; `details.limit`, `details.retryAfterSeconds`. */
  capReached: 'OTP_CAP_REACHED',
  /** The phone number's country is not on the allow-list. */
  countryNotAllowed: 'OTP_COUNTRY_NOT_ALLOWED',
  /** The risk hook wants a (new) captcha before a code is sent. */
  captchaRequired: 'OTP_CAPTCHA_REQUIRED',
  /** The risk hook refused the send outright. */
  riskDenied: 'OTP_RISK_DENIED',
  /** The recipient is not a valid phone number / email address for the channel. */
  invalidRecipient: 'OTP_INVALID_RECIPIENT',
  /**
   * The store could not be reached or is full: nothing was sent, or (TOTP/HOTP replay guard) the code
   * was refused. Fail closed; retryable.
   */
  storeUnavailable: 'OTP_STORE_UNAVAILABLE',
  /** The verification token is unknown, expired or already redeemed. */
  tokenInvalid: 'OTP_TOKEN_INVALID',
  /** The channel (SMS, email, custom) failed to deliver the code. */
  channelFailed: 'OTP_CHANNEL_FAILED',
  /** An option or argument is out of range (code length, digits, unknown channel, ...). */
  invalidArgument: 'OTP_INVALID_ARGUMENT',
  /** TOTP/HOTP `verify` was called without a replay guard and without opting out. */
  replayGuardRequired: 'OTP_REPLAY_GUARD_REQUIRED',
  /** A base32 string is malformed (bad character, bad length, bad padding, non-zero trailing bits). */
  invalidBase32: 'OTP_INVALID_BASE32',
  /** An otpauth:// URI is malformed or inconsistent. */
  invalidUri: 'OTP_INVALID_URI',
  /**
   * A TOTP/HOTP shared secret is shorter than `minSecretBytes` (default 16, RFC 4226 §4), or empty:
   * a guessable key. Re-enrol the factor, or pass `minSecretBytes: 10` for a legacy 80-bit import.
   */
  secretTooShort: 'OTP_SECRET_TOO_SHORT',
} as const;

export type OtpErrorCode = (typeof OTP_ERROR_CODES)[keyof typeof OTP_ERROR_CODES];

/** Machine-readable facts about an error, safe to return to a client (no recipient, no code). */
export interface OtpErrorDetails {
  /** `OTP_WRONG_CODE`: tries left for this code. */
  attemptsLeft?: number;
  /** `OTP_COOLDOWN`, `OTP_CAP_REACHED`: seconds until a send can succeed. */
  retryAfterSeconds?: number;
  /** `OTP_CAP_REACHED`: which cap (`recipient`, `ip`, `device`, `country`, `global`). */
  limit?: string;
  /** `OTP_EXPIRED`: `expired`, `superseded`, `used` or `unknown`. */
  reason?: string;
}

export interface OtpErrorOptions extends LingpaiErrorOptions {
  details?: OtpErrorDetails;
}

/** The one error class of this package. */
export class OtpError extends LingpaiError<OtpErrorCode> {
  readonly details: OtpErrorDetails;

  constructor(code: OtpErrorCode, message: string, options: OtpErrorOptions = {}) {
    super(code, message, options);
    this.details = options.details ?? {};
  }

  override toJSON(): ReturnType<LingpaiError<OtpErrorCode>['toJSON']> & { details: OtpErrorDetails } {
    return { ...super.toJSON(), details: this.details };
  }
}

/** True when `error` is an `OtpError`, optionally with the given code. */
export function isOtpError(error: unknown, code?: OtpErrorCode): error is OtpError {
  return error instanceof OtpError && (code === undefined || error.code === code);
}
