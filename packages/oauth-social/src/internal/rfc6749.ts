import { OAuthError, type OAuthErrorCode } from '../errors.js';
import type { OAuthTokenFields } from '../tokens.js';
import { type JsonObject, readNumber, readString, splitScopes } from './fields.js';

/** Maps an RFC 6749 §5.2 `error` to our code; `invalid_grant` depends on what was being exchanged. */
export function rfc6749ErrorCode(error: string, phase: 'code' | 'refresh', status: number): OAuthErrorCode {
  switch (error) {
    case 'invalid_grant':
      return phase === 'refresh' ? 'OAUTH_INVALID_REFRESH_TOKEN' : 'OAUTH_INVALID_CODE';
    case 'invalid_client':
    case 'unauthorized_client':
    case 'redirect_uri_mismatch':
    case 'unsupported_grant_type':
    case 'invalid_scope':
      return 'OAUTH_CONFIG_ERROR';
    case 'access_denied':
      return 'OAUTH_ACCESS_DENIED';
    case 'slow_down':
    case 'rate_limit_exceeded':
      return 'OAUTH_RATE_LIMITED';
    case 'invalid_token':
      return 'OAUTH_INVALID_TOKEN';
    default:
      return status === 429 ? 'OAUTH_RATE_LIMITED' : 'OAUTH_PLATFORM_ERROR';
  }
}

/** Throws when an RFC 6749 token response carries `error` or a non-2xx status. */
export function throwIfRfc6749Error(
  provider: string,
  body: JsonObject,
  status: number,
  phase: 'code' | 'refresh',
): void {
  const error = readString(body, 'error');
  if (error === undefined && status < 400) return;
  const description = readString(body, 'error_description') ?? '';
  const code = rfc6749ErrorCode(error ?? '', phase, status);
  throw new OAuthError(code, `${provider}: ${error ?? `HTTP ${status}`} ${description}`.trim(), {
    provider,
    platformCode: error ?? status,
    platformMessage: description,
    payload: body,
    status,
    retryable: code === 'OAUTH_RATE_LIMITED' || status >= 500,
  });
}

export function rfc6749Fields(body: JsonObject): OAuthTokenFields {
  return {
    accessToken: readString(body, 'access_token'),
    tokenType: readString(body, 'token_type'),
    expiresIn: readNumber(body, 'expires_in'),
    refreshToken: readString(body, 'refresh_token'),
    refreshTokenExpiresIn: readNumber(body, 'refresh_token_expires_in'),
    scopes: splitScopes(readString(body, 'scope')),
    idToken: readString(body, 'id_token'),
  };
}
