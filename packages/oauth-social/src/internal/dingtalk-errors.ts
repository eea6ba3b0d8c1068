import { OAuthError, type OAuthErrorCode } from '../errors.js';
import { type JsonObject, readString } from './fields.js';

/**
 * DingTalk v1.0 answers errors with a 4xx/5xx status and `{code, message, requestid}`, where `code`
 * is a string such as `InvalidAuthentication` or `Forbidden.AccessDenied…`. The exact list is not
 * published in one place [unverified], so the status and the shape of `code` decide.
 */
export function throwIfDingTalkError(
  provider: string,
  body: JsonObject,
  status: number,
  phase: 'code' | 'refresh' | 'api' | 'credential',
): void {
  // Legacy oapi bodies say {errcode, errmsg} with HTTP 200: a non-zero errcode is an error too.
  const errcode = readString(body, 'errcode');
  const platform = readString(body, 'code') ?? (errcode === '0' ? undefined : errcode);
  if (status < 400 && (platform === undefined || platform === '0')) return;
  const platformCode = platform ?? String(status);
  const message = readString(body, 'message') ?? readString(body, 'errmsg') ?? '';
  const lower = platformCode.toLowerCase();
  let code: OAuthErrorCode;
  if (
    status === 429 ||
    lower.includes('throttl') ||
    lower.includes('qpslimit') ||
    lower.includes('ratelimit')
  ) {
    code = 'OAUTH_RATE_LIMITED';
  } else if (status >= 500) {
    code = 'OAUTH_PLATFORM_ERROR';
  } else if (phase === 'credential' || /client|appkey|appsecret|secret/.test(lower)) {
    code = 'OAUTH_CONFIG_ERROR';
  } else if (phase === 'code') {
    code = 'OAUTH_INVALID_CODE';
  } else if (phase === 'refresh') {
    code = 'OAUTH_INVALID_REFRESH_TOKEN';
  } else if (status === 401 || lower.includes('authentication') || lower.includes('token')) {
    code = 'OAUTH_INVALID_TOKEN';
  } else if (status === 403 || lower.includes('forbidden')) {
    code = 'OAUTH_PERMISSION_DENIED';
  } else {
    code = 'OAUTH_PLATFORM_ERROR';
  }
  throw new OAuthError(code, `${provider}: ${platformCode} ${message}`.trim(), {
    provider,
    platformCode,
    platformMessage: message,
    payload: body,
    status,
    retryable: code === 'OAUTH_RATE_LIMITED' || status >= 500,
  });
}
