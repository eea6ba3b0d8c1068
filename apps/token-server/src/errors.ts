import { LingpaiError } from '@lingpai/auth-core';

/**
 * The error table: every refusal the server gives, with its RFC 6749 / CloudBase `error` string, the
 * CloudBase-style numeric `error_code` and the HTTP status. One row per stable code; handlers throw
 * `TokenServerError` with a row's key and never build error bodies themselves.
 *
 * `error_code` numbers: CloudBase's own where its documents give one (4001 invalid_grant and
 * invalid_verification_code, 4004 user_not_found, 4028 captcha_required, 4029 rate_limit_exceeded,
 * 4043 invalid_username_or_password); the rest follow the same scheme, HTTP status × 10.
 */
export const ERROR_TABLE = {
  invalid_request: { status: 400, errorCode: 4000 },
  invalid_grant: { status: 400, errorCode: 4001 },
  invalid_scope: { status: 400, errorCode: 4002 },
  unsupported_grant_type: { status: 400, errorCode: 4003 },
  unauthorized_client: { status: 400, errorCode: 4005 },
  unsupported_token_type: { status: 400, errorCode: 4006 },
  authorization_pending: { status: 400, errorCode: 4007 },
  slow_down: { status: 400, errorCode: 4008 },
  access_denied: { status: 400, errorCode: 4009 },
  expired_token: { status: 400, errorCode: 4011 },
  invalid_client: { status: 401, errorCode: 4010 },
  invalid_token: { status: 401, errorCode: 4012 },
  unauthenticated: { status: 401, errorCode: 4013 },
  /** RFC 9470 step-up: the sign-in behind the token is too old for this action. */
  insufficient_user_authentication: { status: 401, errorCode: 4014 },
  insufficient_scope: { status: 403, errorCode: 4030 },
  permission_denied: { status: 403, errorCode: 4031 },
  /** An interaction call before the user logged in (the login page must show the login first). */
  login_required: { status: 403, errorCode: 4032 },
  not_found: { status: 404, errorCode: 4040 },
  user_not_found: { status: 404, errorCode: 4004 },
  method_not_allowed: { status: 405, errorCode: 4050 },
  already_exists: { status: 409, errorCode: 4090 },
  /** The interaction expired or already completed (it yields once): start again from the client. */
  interaction_expired: { status: 410, errorCode: 4100 },
  payload_too_large: { status: 413, errorCode: 4130 },
  unsupported_media_type: { status: 415, errorCode: 4150 },
  captcha_required: { status: 429, errorCode: 4028 },
  rate_limit_exceeded: { status: 429, errorCode: 4029 },
  invalid_username_or_password: { status: 400, errorCode: 4043 },
  // ---- the user side (issue 9): CloudBase's ErrorType names where it has one ----
  /** A wrong, expired or exhausted verification code (CloudBase 4001). */
  invalid_verification_code: { status: 400, errorCode: 4001 },
  /** A phone number that does not parse, or a country codes are not sent to (CloudBase 4001). */
  invalid_phone_number: { status: 400, errorCode: 4001 },
  invalid_email: { status: 400, errorCode: 4016 },
  /** A `verification_token` that is unknown, expired, used, or was issued for another usage or client. */
  invalid_verification_token: { status: 400, errorCode: 4017 },
  password_not_set: { status: 400, errorCode: 4018 },
  /** A new password the policy refuses, or a wrong old password. */
  invalid_password: { status: 400, errorCode: 4019 },
  /** A `provider_token` that is unknown, expired, used, or bound to another client or device. */
  invalid_provider_token: { status: 400, errorCode: 4020 },
  /** The action would leave the account in a state it must not reach (e.g. no way to sign in). */
  failed_precondition: { status: 400, errorCode: 4021 },
  /** Leaves room for the TOTP second factor: the password was right, a second step is due. */
  two_factor_required: { status: 401, errorCode: 4015 },
  user_blocked: { status: 403, errorCode: 4033 },
  user_pending: { status: 403, errorCode: 4034 },
  /** A sensitive change needs a fresh `sudo_token` (POST /auth/v1/user/sudo). */
  sudo_required: { status: 403, errorCode: 4035 },
  user_already_exists: { status: 409, errorCode: 4091 },
  /** CloudBase documents 409 as this error's code. */
  username_already_exists: { status: 409, errorCode: 409 },
  /** The platform identity already belongs to another user. */
  provider_already_bound: { status: 409, errorCode: 4093 },
  server_error: { status: 500, errorCode: 5000 },
  temporarily_unavailable: { status: 503, errorCode: 5030 },
} as const satisfies Record<string, { status: number; errorCode: number }>;

export type OAuthErrorName = keyof typeof ERROR_TABLE;

export interface TokenServerErrorOptions {
  cause?: unknown;
  /** Seconds, for 429 and 503: becomes `Retry-After`. */
  retryAfter?: number;
  /** Extra response headers (e.g. `WWW-Authenticate`). */
  headers?: Record<string, string>;
}

/**
 * A refusal the client may see. `code` is the RFC/CloudBase `error` string (stable); `message` becomes
 * `error_description` and must never carry a secret, a token or a user's identifier.
 */
export class TokenServerError extends LingpaiError<OAuthErrorName> {
  readonly errorCode: number;
  readonly retryAfter: number | undefined;
  readonly headers: Record<string, string>;

  constructor(code: OAuthErrorName, description: string, options: TokenServerErrorOptions = {}) {
    const row = ERROR_TABLE[code];
    super(code, description, {
      cause: options.cause,
      status: row.status,
      retryable: row.status === 429 || row.status === 503,
    });
    this.errorCode = row.errorCode;
    this.retryAfter = options.retryAfter;
    this.headers = options.headers ?? {};
  }

  /** The JSON body every error answer carries. */
  body(): ErrorBody {
    return { error: this.code, error_code: this.errorCode, error_description: this.message };
  }
}

export interface ErrorBody {
  error: string;
  error_code: number;
  error_description: string;
}

/** Configuration that cannot work; thrown at start, before anything listens. */
export class ConfigError extends LingpaiError<'CONFIG_INVALID'> {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
  }
}

/** A storage failure that is not the caller's fault: the database is unreachable or timed out. */
export class StorageUnavailableError extends LingpaiError<'STORAGE_UNAVAILABLE'> {
  constructor(message: string, cause?: unknown) {
    super('STORAGE_UNAVAILABLE', message, { cause, retryable: true });
  }
}

export function isTokenServerError(error: unknown): error is TokenServerError {
  return error instanceof TokenServerError;
}
