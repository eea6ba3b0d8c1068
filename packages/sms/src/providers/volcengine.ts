// Volcengine (火山引擎) SMS: POST /?Action=SendSms&Version=2020-01-01, JSON body, signed HMAC-SHA256
// with the scope `YYYYMMDD/<region>/volcSMS/request` (reference §2.6). Errors in ResponseMetadata.Error.
import { signVolcengine, type VolcengineCredentials } from '@lingpai/auth-core';
import { attachRaw } from '../attempt.js';
import { optionalString, requireOptions, requireString } from '../internal/config.js';
import {
  asString,
  codeForStatus,
  type HttpProviderOptions,
  isRecord,
  parseProviderJson,
  providerError,
  type ResolvedHttpOptions,
  resolveHttpOptions,
  sendHttp,
  unreadable,
  withoutHostHeader,
} from '../internal/http.js';
import { redacting } from '../internal/redact.js';
import type { SmsRequest } from '../message.js';
import type { SmsProvider, SmsProviderCapabilities, SmsProviderResult, SmsSendContext } from '../provider.js';
import { SmsError, type SmsErrorCode } from '../sms-error.js';
import { namedParams, requireTemplateId } from '../template.js';

export const VOLCENGINE_BASE_URL = 'https://sms.volcengineapi.com';
/** BytePlus, the international edition (region `ap-singapore-1`). */
export const BYTEPLUS_BASE_URL = 'https://sms.byteplusapi.com';
const VERSION = '2020-01-01';
const SERVICE = 'volcSMS';

export interface VolcengineSmsOptions extends HttpProviderOptions {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** The message group (`SmsAccount`) the sign and templates belong to. */
  smsAccount: string;
  /** Default sign (`Sign`). */
  signName?: string;
  /** Signing region. Default `cn-north-1`; BytePlus uses `ap-singapore-1`. */
  region?: string;
  /** `Tag` echoed in delivery reports. */
  tag?: string;
}

/** OpenAPI gateway codes, shared by every Volcengine service. */
const GATEWAY_CODES: Readonly<Record<string, SmsErrorCode>> = {
  MissingAuthenticationToken: 'SMS_AUTH_FAILED',
  InvalidAuthorization: 'SMS_AUTH_FAILED',
  InvalidCredential: 'SMS_AUTH_FAILED',
  InvalidAccessKey: 'SMS_AUTH_FAILED',
  SignatureDoesNotMatch: 'SMS_AUTH_FAILED',
  InvalidTimestamp: 'SMS_AUTH_FAILED',
  AccessDenied: 'SMS_AUTH_FAILED',
  FlowLimitExceeded: 'SMS_RATE_LIMITED',
  ServiceUnavailableTemp: 'SMS_PROVIDER_UNAVAILABLE',
  InternalError: 'SMS_PROVIDER_UNAVAILABLE',
  InternalServiceError: 'SMS_PROVIDER_UNAVAILABLE',
};

/**
 * The SMS business codes (`ZJ…`) are not in a public list we could confirm, so they are classified
 * by what the message is about; anything unmatched stays `SMS_PROVIDER_ERROR`.
 */
function classify(code: string, message: string | undefined, status: number): SmsErrorCode {
  const known = GATEWAY_CODES[code];
  if (known !== undefined) return known;
  const text = message ?? '';
  // Limits first: "手机号发送频率超限" is about a limit on the number, not a bad number.
  if (/余额|欠费|balance/i.test(text)) return 'SMS_QUOTA_EXHAUSTED';
  if (/频率|流控|超限|频繁|frequen|throttl|too many/i.test(text)) return 'SMS_RATE_LIMITED';
  if (/手机号|phone/i.test(text)) return 'SMS_INVALID_NUMBER';
  if (/签名|sign/i.test(text)) return 'SMS_SIGN_REJECTED';
  if (/模板|template/i.test(text)) return 'SMS_TEMPLATE_REJECTED';
  if (/limit/i.test(text)) return 'SMS_RATE_LIMITED';
  if (/SmsAccount|权限/i.test(text)) return 'SMS_AUTH_FAILED';
  return codeForStatus(status);
}

class VolcengineSmsProvider implements SmsProvider {
  readonly name: string;
  readonly kind = 'volcengine';
  readonly capabilities: SmsProviderCapabilities = { template: true, content: false };
  readonly #http: ResolvedHttpOptions;
  readonly #credentials: VolcengineCredentials;
  readonly #account: string;
  readonly #signName: string | undefined;
  readonly #region: string;
  readonly #tag: string | undefined;
  readonly #url: URL;

  constructor(input: VolcengineSmsOptions) {
    const options = requireOptions(
      'volcengine',
      'createVolcengineProvider',
      input,
      'accessKeyId, secretAccessKey, smsAccount',
    );
    this.#http = resolveHttpOptions('volcengine', VOLCENGINE_BASE_URL, options);
    this.name = this.#http.name;
    this.#credentials = {
      accessKeyId: requireString('volcengine', 'accessKeyId', options.accessKeyId, 'VOLCENGINE_ACCESS_KEY'),
      secretAccessKey: requireString(
        'volcengine',
        'secretAccessKey',
        options.secretAccessKey,
        'VOLCENGINE_SECRET_KEY',
      ),
      ...(options.sessionToken === undefined
        ? {}
        : { sessionToken: requireString('volcengine', 'sessionToken', options.sessionToken) }),
    };
    this.#account = requireString('volcengine', 'smsAccount', options.smsAccount);
    this.#signName = optionalString('volcengine', 'signName', options.signName);
    this.#region = optionalString('volcengine', 'region', options.region) ?? 'cn-north-1';
    this.#tag = optionalString('volcengine', 'tag', options.tag);
    this.#url = new URL(`${this.#http.baseURL}/`);
  }

  send(request: SmsRequest, context: SmsSendContext = {}): Promise<SmsProviderResult> {
    return redacting(request, () => this.#send(request, context));
  }

  async #send(request: SmsRequest, context: SmsSendContext): Promise<SmsProviderResult> {
    const { id, template } = requireTemplateId(request, this);
    const sign = request.signName ?? this.#signName;
    if (sign === undefined || sign === '') {
      throw new SmsError(
        'SMS_SIGN_REJECTED',
        `${this.name}: no sign name; set signName on the provider or the message`,
        {
          provider: this.name,
        },
      );
    }
    const payload: Record<string, string> = {
      SmsAccount: this.#account,
      Sign: sign,
      TemplateID: id,
      TemplateParam: JSON.stringify(namedParams(template.params, this)),
      PhoneNumbers: request.to.isMainlandChina ? request.to.nationalNumber : request.to.e164,
    };
    const tag = request.reference ?? this.#tag;
    if (tag !== undefined) payload.Tag = tag;
    const body = JSON.stringify(payload);
    const query = { Action: 'SendSms', Version: VERSION };
    const signed = signVolcengine(
      {
        method: 'POST',
        host: this.#url.host,
        path: decodeURIComponent(this.#url.pathname),
        query,
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        body,
        service: SERVICE,
        region: this.#region,
      },
      this.#credentials,
      { clock: this.#http.clock },
    );
    const headers = withoutHostHeader(signed.headers);
    const response = await sendHttp(
      this.name,
      {
        url: `${this.#url.href}?Action=SendSms&Version=${VERSION}`,
        method: 'POST',
        headers,
        body,
        timeoutMs: this.#http.timeoutMs,
        ...(this.#http.fetch === undefined ? {} : { fetch: this.#http.fetch }),
      },
      context.signal,
    );
    const parsed = parseProviderJson(this.name, response);
    const metadata = isRecord(parsed) ? parsed.ResponseMetadata : undefined;
    if (!isRecord(parsed) || !isRecord(metadata)) throw unreadable(this.name, response);
    if (isRecord(metadata.Error)) {
      const code = asString(metadata.Error.Code) ?? 'UnknownError';
      const message = asString(metadata.Error.Message);
      throw providerError(this.name, classify(code, message, response.status), code, message, {
        status: response.status,
        payload: parsed,
      });
    }
    const result = parsed.Result;
    const ids = isRecord(result) && Array.isArray(result.MessageID) ? result.MessageID : [];
    const messageId = asString(ids[0]);
    if (messageId === undefined || response.status < 200 || response.status >= 300) {
      throw unreadable(this.name, response);
    }
    return attachRaw(
      { provider: this.name, messageId, to: request.to.e164, status: 'accepted' as const },
      parsed,
    );
  }

  toJSON(): { name: string; kind: string } {
    return { name: this.name, kind: this.kind };
  }
}

/** A Volcengine SMS provider (template messages; named params). */
export function createVolcengineProvider(options: VolcengineSmsOptions): SmsProvider {
  return new VolcengineSmsProvider(options);
}
