// Huawei Cloud SMS (MSGSMS): POST /sms/batchSendSms/v1, form body, WSSE UsernameToken headers
// (support.huaweicloud.com/api-msgsms/sms_05_0046; reference §2.6). `code` '000000' is success, and
// each recipient has its own `status` in `result`.
import { type HuaweiDigestEncoding, signHuaweiWsse } from '@lingpai/auth-core';
import { attachRaw } from '../attempt.js';
import { oneOf, optionalString, optionalUrl, requireOptions, requireString } from '../internal/config.js';
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
} from '../internal/http.js';
import { redacting } from '../internal/redact.js';
import type { SmsRequest } from '../message.js';
import type { SmsProvider, SmsProviderCapabilities, SmsProviderResult, SmsSendContext } from '../provider.js';
import { SmsError, type SmsErrorCode } from '../sms-error.js';
import { positionalParams, requireTemplateId } from '../template.js';

/** The app access address is per application (console → application management); this is the Beijing 4 one. */
export const HUAWEI_BASE_URL = 'https://smsapi.cn-north-4.myhuaweicloud.com:443';

export interface HuaweiSmsOptions extends HttpProviderOptions {
  appKey: string;
  appSecret: string;
  /** Channel number (`from`) the template belongs to. */
  from: string;
  /** Sign name (`signature`); needed for mainland general templates. */
  signName?: string;
  /** `statusCallback` URL for delivery reports. */
  statusCallback?: string;
  /** See auth-core `HuaweiDigestEncoding`; default `hex-base64`, what the platform accepts. */
  digestEncoding?: HuaweiDigestEncoding;
}

const HUAWEI_DIGEST_ENCODINGS = ['hex-base64', 'base64'] as const satisfies readonly HuaweiDigestEncoding[];

/** Huawei MSGSMS error codes (API reference "错误码"): E0001xx are authentication failures. */
const ERROR_CODES: Readonly<Record<string, SmsErrorCode>> = {
  E000623: 'SMS_QUOTA_EXHAUSTED',
  E200028: 'SMS_TEMPLATE_REJECTED',
  E200029: 'SMS_TEMPLATE_REJECTED',
  E200030: 'SMS_TEMPLATE_REJECTED',
  E200033: 'SMS_TEMPLATE_REJECTED',
};

function classify(code: string, description: string | undefined, status: number): SmsErrorCode {
  const known = ERROR_CODES[code];
  if (known !== undefined) return known;
  if (/^E0001\d\d$/.test(code)) return 'SMS_AUTH_FAILED';
  if (code === 'E000503') {
    // "Parameters format error: <field>." names the field at fault.
    const fieldName = description?.match(/error:\s*([A-Za-z]+)/)?.[1];
    if (fieldName === 'to') return 'SMS_INVALID_NUMBER';
    if (fieldName === 'signature') return 'SMS_SIGN_REJECTED';
    if (fieldName === 'templateParas' || fieldName === 'templateId') return 'SMS_TEMPLATE_REJECTED';
  }
  return codeForStatus(status);
}

class HuaweiSmsProvider implements SmsProvider {
  readonly name: string;
  readonly kind = 'huawei';
  readonly capabilities: SmsProviderCapabilities = { template: true, content: false };
  readonly #http: ResolvedHttpOptions;
  readonly #credentials: { appKey: string; appSecret: string };
  readonly #from: string;
  readonly #signName: string | undefined;
  readonly #statusCallback: string | undefined;
  readonly #digestEncoding: HuaweiDigestEncoding | undefined;

  constructor(input: HuaweiSmsOptions) {
    const options = requireOptions('huawei', 'createHuaweiProvider', input, 'appKey, appSecret, from');
    this.#http = resolveHttpOptions('huawei', HUAWEI_BASE_URL, options);
    this.name = this.#http.name;
    this.#credentials = {
      appKey: requireString('huawei', 'appKey', options.appKey, 'HUAWEI_SMS_APP_KEY'),
      appSecret: requireString('huawei', 'appSecret', options.appSecret, 'HUAWEI_SMS_APP_SECRET'),
    };
    this.#from = requireString('huawei', 'from', options.from);
    this.#signName = optionalString('huawei', 'signName', options.signName);
    this.#statusCallback = optionalUrl('huawei', 'statusCallback', options.statusCallback);
    this.#digestEncoding =
      options.digestEncoding === undefined
        ? undefined
        : oneOf('huawei', 'digestEncoding', options.digestEncoding, HUAWEI_DIGEST_ENCODINGS, 'hex-base64');
  }

  send(request: SmsRequest, context: SmsSendContext = {}): Promise<SmsProviderResult> {
    return redacting(request, () => this.#send(request, context));
  }

  async #send(request: SmsRequest, context: SmsSendContext): Promise<SmsProviderResult> {
    const { id, template } = requireTemplateId(request, this);
    const form = new URLSearchParams({
      from: request.from ?? this.#from,
      to: request.to.e164,
      templateId: id,
    });
    const params = positionalParams(template.params);
    if (params.length > 0) form.set('templateParas', JSON.stringify(params));
    if (this.#statusCallback !== undefined) form.set('statusCallback', this.#statusCallback);
    const sign = request.signName ?? this.#signName;
    if (sign !== undefined) form.set('signature', sign);
    const signed = signHuaweiWsse(this.#credentials, {
      clock: this.#http.clock,
      ...(this.#digestEncoding === undefined ? {} : { digestEncoding: this.#digestEncoding }),
    });
    const response = await sendHttp(
      this.name,
      {
        url: `${this.#http.baseURL}/sms/batchSendSms/v1`,
        method: 'POST',
        headers: { ...signed.headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        timeoutMs: this.#http.timeoutMs,
        ...(this.#http.fetch === undefined ? {} : { fetch: this.#http.fetch }),
      },
      context.signal,
    );
    const body = parseProviderJson(this.name, response);
    if (!isRecord(body)) throw unreadable(this.name, response);
    const code = asString(body.code);
    if (code === undefined) throw unreadable(this.name, response);
    if (code !== '000000') {
      const description = asString(body.description);
      throw providerError(this.name, classify(code, description, response.status), code, description, {
        status: response.status,
        payload: body,
      });
    }
    const entry = Array.isArray(body.result) ? body.result.find(isRecord) : undefined;
    const smsMsgId = asString(entry?.smsMsgId);
    if (entry === undefined || smsMsgId === undefined) {
      throw new SmsError(
        'SMS_BAD_RESPONSE',
        `${this.name}: success without a result entry; the message may have been sent`,
        {
          provider: this.name,
          payload: body,
          mayHaveBeenSent: true,
        },
      );
    }
    const status = asString(entry.status);
    if (status !== '000000') {
      throw providerError(this.name, classify(status ?? '', undefined, 400), status, undefined, {
        payload: body,
      });
    }
    const total = Number(entry.total);
    return attachRaw(
      {
        provider: this.name,
        messageId: smsMsgId,
        to: request.to.e164,
        status: 'accepted' as const,
        ...(Number.isInteger(total) && total > 0 ? { segments: total } : {}),
      },
      body,
    );
  }

  toJSON(): { name: string; kind: string } {
    return { name: this.name, kind: this.kind };
  }
}

/** A Huawei Cloud SMS provider (template messages; positional params). */
export function createHuaweiProvider(options: HuaweiSmsOptions): SmsProvider {
  return new HuaweiSmsProvider(options);
}
