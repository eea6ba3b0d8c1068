import { OAuthError, type OAuthErrorCode } from '../errors.js';
import { asObject, type JsonObject, readNumber, readString } from './fields.js';

/** Douyin codes for an access/client token that is invalid or expired (28001003 from an API doc). */
export const DOUYIN_INVALID_TOKEN_CODES: readonly number[] = [10008, 2190002, 2190008, 28001003, 28001008];

function classify(code: number, phase: 'code' | 'refresh' | 'api' | 'credential'): OAuthErrorCode {
  if (DOUYIN_INVALID_TOKEN_CODES.includes(code)) return 'OAUTH_INVALID_TOKEN';
  switch (code) {
    case 10007: // authorization code expired / invalid
      return 'OAUTH_INVALID_CODE';
    case 10010: // refresh_token expired
    case 10009: // refresh_token invalid
      return 'OAUTH_INVALID_REFRESH_TOKEN';
    case 10003: // client_key invalid
    case 10013: // client_key / client_secret mismatch
    case 10006: // redirect_uri mismatch
      return 'OAUTH_CONFIG_ERROR';
    case 10020: // more than 500 client_token requests in 5 minutes
      return 'OAUTH_RATE_LIMITED';
    case 10004: // scope not granted / app lacks permission
    case 2190004:
      return 'OAUTH_PERMISSION_DENIED';
    default:
      return phase === 'code' && code === 2100005 ? 'OAUTH_INVALID_CODE' : 'OAUTH_PLATFORM_ERROR';
  }
}

/**
 * Douyin puts `error_code` / `description` inside `data` (next to `message: "error"`), with HTTP 200,
 * and sends numbers as strings in some samples (`"error_code": "0"`).
 */
export function throwIfDouyinError(
  provider: string,
  body: JsonObject,
  status: number,
  phase: 'code' | 'refresh' | 'api' | 'credential',
): JsonObject {
  const data = asObject(body.data);
  const errorCode =
    readNumber(data, 'error_code') ??
    readNumber(body, 'error_code') ??
    readNumber(asObject(body.extra), 'error_code');
  const failed =
    (errorCode !== undefined && errorCode !== 0) || readString(body, 'message') === 'error' || status >= 400;
  if (!failed && data !== undefined) return data;
  const description =
    readString(data, 'description') ??
    readString(body, 'description') ??
    readString(asObject(body.extra), 'description') ??
    '';
  const code =
    errorCode !== undefined && errorCode !== 0
      ? classify(errorCode, phase)
      : status === 429
        ? 'OAUTH_RATE_LIMITED'
        : failed
          ? 'OAUTH_PLATFORM_ERROR'
          : 'OAUTH_BAD_RESPONSE';
  throw new OAuthError(code, `${provider}: error_code ${errorCode ?? status} ${description}`.trim(), {
    provider,
    platformCode: errorCode ?? status,
    platformMessage: description,
    payload: body,
    status,
    retryable: code === 'OAUTH_RATE_LIMITED' || status >= 500,
  });
}
