import { LingpaiError, type LingpaiErrorOptions } from '@lingpai/auth-core';

/**
 * Every code an `OAuthError` can carry, declared once. Switch on `error.code`; the platform's own
 * number or string is on `error.platformCode` for logs and support tickets.
 */
export const OAuthErrorCodes = {
  /** The authorization code is unknown, malformed or expired. Send the user through login again. */
  INVALID_CODE: 'OAUTH_INVALID_CODE',
  /** The authorization code was already exchanged (single use). Usually a double-submitted callback. */
  CODE_REUSED: 'OAUTH_CODE_REUSED',
  /** The access token is invalid, expired or revoked. */
  INVALID_TOKEN: 'OAUTH_INVALID_TOKEN',
  /** The refresh token is invalid, expired or was rotated away. */
  INVALID_REFRESH_TOKEN: 'OAUTH_INVALID_REFRESH_TOKEN',
  /** The platform (or the local WeChat force-refresh limiter) refused: too many calls. */
  RATE_LIMITED: 'OAUTH_RATE_LIMITED',
  /** Wrong app id / secret / key, redirect URI not registered, IP not allow-listed, bad signature. */
  CONFIG_ERROR: 'OAUTH_CONFIG_ERROR',
  /** The token lacks the scope or the app lacks the API permission for this call. */
  PERMISSION_DENIED: 'OAUTH_PERMISSION_DENIED',
  /** The user refused consent (the callback carried `error=access_denied` or similar). */
  ACCESS_DENIED: 'OAUTH_ACCESS_DENIED',
  /** Any other platform error; `retryable` says whether the platform called itself busy. */
  PLATFORM_ERROR: 'OAUTH_PLATFORM_ERROR',
  /** The `state` on the callback is missing, forged, expired, used, or bound to another flow. */
  INVALID_STATE: 'OAUTH_INVALID_STATE',
  /** The platform answered, but not in a shape we can use (a required field missing, not JSON). */
  BAD_RESPONSE: 'OAUTH_BAD_RESPONSE',
  /** A response signature (Alipay) did not verify. */
  INVALID_SIGNATURE: 'OAUTH_INVALID_SIGNATURE',
  /** The OpenID Connect ID token failed verification (signature, issuer, audience, expiry, nonce). */
  INVALID_ID_TOKEN: 'OAUTH_INVALID_ID_TOKEN',
  /** The platform has no such operation (e.g. refreshing a Weibo web token). */
  UNSUPPORTED: 'OAUTH_UNSUPPORTED',
  /** A token field the caller asked for is not in this platform's response. */
  MISSING_FIELD: 'OAUTH_MISSING_FIELD',
} as const;

export type OAuthErrorCode = (typeof OAuthErrorCodes)[keyof typeof OAuthErrorCodes];

export interface OAuthErrorOptions extends LingpaiErrorOptions {
  /** Which provider raised it (`wechat`, `lark`, …). */
  provider?: string;
  /** The platform's own error code (`errcode`, `code`, `error_code`, `sub_code`, `error`), as a string. */
  platformCode?: string | number;
  /** The platform's own message, when it sent one. */
  platformMessage?: string;
}

/** The one error class of this package. The platform body is on the non-enumerable `payload`. */
export class OAuthError extends LingpaiError<OAuthErrorCode> {
  readonly provider: string | undefined;
  readonly platformCode: string | undefined;
  readonly platformMessage: string | undefined;

  constructor(code: OAuthErrorCode, message: string, options: OAuthErrorOptions = {}) {
    super(code, message, { ...options, retryable: options.retryable ?? code === 'OAUTH_RATE_LIMITED' });
    this.provider = options.provider;
    this.platformCode = options.platformCode === undefined ? undefined : String(options.platformCode);
    this.platformMessage = options.platformMessage;
  }
}

/** True when `error` is an `OAuthError`, optionally with one of the given codes. */
export function isOAuthError(error: unknown, ...codes: OAuthErrorCode[]): error is OAuthError {
  return error instanceof OAuthError && (codes.length === 0 || codes.includes(error.code));
}
