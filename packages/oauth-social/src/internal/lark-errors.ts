import { OAuthError, type OAuthErrorCode } from '../errors.js';
import { type JsonObject, readNumber, readString } from './fields.js';
import { rfc6749ErrorCode } from './rfc6749.js';

/** Lark codes for a tenant/app/user token that is invalid or expired (99991663 is the one seen in practice). */
export const LARK_INVALID_TOKEN_CODES: readonly number[] = [99991661, 99991663, 99991664, 99991668, 99991677];

function classify(code: number): OAuthErrorCode {
  if (LARK_INVALID_TOKEN_CODES.includes(code)) return 'OAUTH_INVALID_TOKEN';
  switch (code) {
    case 99991400: // request trigger frequency limit
      return 'OAUTH_RATE_LIMITED';
    case 10003: // invalid app_id / app_secret on auth/v3
    case 10014: // app secret invalid
    case 99991665: // app_id invalid
      return 'OAUTH_CONFIG_ERROR';
    case 99991672: // app lacks the scope for this API
    case 99991679: // user token lacks the scope
      return 'OAUTH_PERMISSION_DENIED';
    default:
      return 'OAUTH_PLATFORM_ERROR';
  }
}

/**
 * Lark errors come as `{code, msg}` with HTTP 200, and the v2 OAuth endpoint can also answer
 * `{code, error, error_description}` with a 4xx status; `error` wins because it is the stable part.
 */
export function throwIfLarkError(
  provider: string,
  body: JsonObject,
  status: number,
  phase: 'code' | 'refresh' | 'api' | 'credential',
): void {
  const numeric = readNumber(body, 'code');
  const error = readString(body, 'error');
  if ((numeric === undefined || numeric === 0) && error === undefined && status < 400) return;
  const message = readString(body, 'error_description') ?? readString(body, 'msg') ?? '';
  let code: OAuthErrorCode;
  if (error !== undefined) code = rfc6749ErrorCode(error, phase === 'refresh' ? 'refresh' : 'code', status);
  else if (numeric !== undefined && numeric !== 0) code = classify(numeric);
  else code = status === 401 ? 'OAUTH_INVALID_TOKEN' : 'OAUTH_PLATFORM_ERROR';
  if (phase === 'credential' && code === 'OAUTH_INVALID_TOKEN') code = 'OAUTH_CONFIG_ERROR';
  throw new OAuthError(code, `${provider}: ${error ?? numeric ?? `HTTP ${status}`} ${message}`.trim(), {
    provider,
    platformCode: error ?? numeric ?? status,
    platformMessage: message,
    payload: body,
    status,
    retryable: code === 'OAUTH_RATE_LIMITED' || status >= 500,
  });
}
