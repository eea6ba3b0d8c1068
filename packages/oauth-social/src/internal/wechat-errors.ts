import { OAuthError, type OAuthErrorCode } from '../errors.js';
import { type JsonObject, readNumber, readString } from './fields.js';

/** Which call produced the errcode: 40001 means "wrong secret" on a credential call, "bad token" elsewhere. */
export type WeChatPhase = 'code' | 'refresh' | 'api' | 'credential';

/** errcodes WeChat and WeCom use for an app token that is invalid, not latest, or expired. */
export const WECHAT_INVALID_TOKEN_ERRCODES: readonly number[] = [40001, 40014, 42001, 41001];

function classify(errcode: number, phase: WeChatPhase): { code: OAuthErrorCode; retryable?: boolean } {
  switch (errcode) {
    case -1: // 系统繁忙 (system busy)
      return { code: 'OAUTH_PLATFORM_ERROR', retryable: true };
    case 40029: // invalid code
    case 42003: // oauth_code expired
      return { code: 'OAUTH_INVALID_CODE' };
    case 40163: // code been used
      return { code: 'OAUTH_CODE_REUSED' };
    case 40030: // invalid refresh_token
    case 42002: // refresh_token expired
      return { code: 'OAUTH_INVALID_REFRESH_TOKEN' };
    case 40001:
      // On cgi-bin/token and gettoken, 40001 means the secret is wrong; on API calls, the token is bad.
      return { code: phase === 'credential' ? 'OAUTH_CONFIG_ERROR' : 'OAUTH_INVALID_TOKEN' };
    case 40014: // invalid access_token
    case 42001: // access_token expired
    case 41001: // access_token missing
      return { code: 'OAUTH_INVALID_TOKEN' };
    case 40013: // invalid appid / corpid
    case 40125: // invalid appsecret
    case 40164: // caller IP not in the allow-list
    case 41002: // appid missing
    case 41004: // secret missing
    case 40091: // WeCom: invalid secret
    case 60020: // WeCom: IP not allowed
    case 10003: // redirect_uri domain mismatch
      return { code: 'OAUTH_CONFIG_ERROR' };
    case 45009: // daily quota reached
    case 45011: // per-minute frequency limit (code2session: 100 per user per minute)
    case 45033: // WeCom: concurrency limit
      return { code: 'OAUTH_RATE_LIMITED', retryable: errcode !== 45009 };
    case 48001: // API not authorized for this app
    case 50001: // user has not authorized this API
    case 50002: // user restricted
    case 60011: // WeCom: no privilege to access this member
      return { code: 'OAUTH_PERMISSION_DENIED' };
    default:
      return { code: 'OAUTH_PLATFORM_ERROR' };
  }
}

/** Throws an `OAuthError` when a WeChat/WeCom body carries a non-zero `errcode` (sent with HTTP 200). */
export function throwIfWeChatError(
  provider: string,
  body: JsonObject,
  phase: WeChatPhase,
  status: number,
): void {
  const errcode = readNumber(body, 'errcode');
  if (errcode === undefined || errcode === 0) return;
  const errmsg = readString(body, 'errmsg') ?? '';
  const { code, retryable } = classify(errcode, phase);
  throw new OAuthError(code, `${provider}: errcode ${errcode} ${errmsg}`.trim(), {
    provider,
    platformCode: errcode,
    platformMessage: errmsg,
    payload: body,
    status,
    ...(retryable === undefined ? {} : { retryable }),
  });
}
