import { OAuthError, type OAuthErrorCode } from '../errors.js';
import type { JsonObject } from './fields.js';

function codeFor(status: number): { code: OAuthErrorCode; retryable: boolean } {
  if (status === 401) return { code: 'OAUTH_INVALID_TOKEN', retryable: false };
  if (status === 403) return { code: 'OAUTH_PERMISSION_DENIED', retryable: false };
  if (status === 429) return { code: 'OAUTH_RATE_LIMITED', retryable: true };
  return { code: 'OAUTH_PLATFORM_ERROR', retryable: status >= 500 };
}

/** `value` with every occurrence of `secret` in its strings replaced, so an echoed token never lands in an error. */
function redact(value: JsonObject, secret: string): JsonObject {
  if (secret === '') return value;
  const text = JSON.stringify(value);
  return text.includes(secret) ? (JSON.parse(text.split(secret).join('[redacted]')) as JsonObject) : value;
}

/**
 * An app-token API call answered outside 2xx without the platform's own error fields (a gateway 404
 * or 502, an HTML-less JSON error): before, `request()` returned that body as if it were data. It is
 * an `OAuthError` now (401 → `OAUTH_INVALID_TOKEN`, so `withAppToken` retries once with a fresh
 * token; 403 → `OAUTH_PERMISSION_DENIED`; 429 → `OAUTH_RATE_LIMITED`; else `OAUTH_PLATFORM_ERROR`,
 * retryable on 5xx). The message names the path without its query, which may carry the token,
 * and the token is redacted from the payload.
 */
export function throwIfHttpError(
  provider: string,
  path: string,
  status: number,
  body: JsonObject,
  token: string,
): void {
  if (status >= 200 && status < 300) return;
  const { code, retryable } = codeFor(status);
  throw new OAuthError(code, `${provider}: ${path.split('?')[0]} answered HTTP ${status}`, {
    provider,
    status,
    retryable,
    payload: redact(body, token),
  });
}
