// Tencent Cloud SMS SendSms 2021-01-11 (sms.tencentcloudapi.com, TC3-HMAC-SHA256; reference §2.3, §3.2).
// Acceptance is per number: SendStatusSet[].Code === 'Ok' (note the casing); request-level errors
// arrive as Response.Error with HTTP 200.
import { signTencentTc3, type TencentCredentials } from '@lingpai/auth-core';
import { attachRaw } from '../attempt.js';
import { configError, optionalString, requireOptions, requireString } from '../internal/config.js';
import {
  asString,
  type HttpProviderOptions,
  isRecord,
  parseProviderJson,
  providerError,
  type ResolvedHttpOptions,
  resolveHttpOptions,
  sendHttp,
  unreadable,
} from '../internal/http.js';
import { redacting, redactingBatch } from '../internal/redact.js';
import type { SmsBatchRequest, SmsRequest } from '../message.js';
import type { PhoneNumber } from '../phone-number.js';
import type {
  SmsBatchItem,
  SmsBatchProviderResult,
  SmsProvider,
  SmsProviderCapabilities,
  SmsProviderResult,
  SmsSendContext,
} from '../provider.js';
import { SmsError, type SmsErrorCode } from '../sms-error.js';
import { positionalParams, requireTemplateId } from '../template.js';

export const TENCENT_BASE_URL = 'https://sms.tencentcloudapi.com';
const VERSION = '2021-01-11';
/** SendSms takes at most 200 numbers per call, all domestic or all international. */
const BATCH_LIMIT = 200;

export interface TencentSmsOptions extends HttpProviderOptions {
  secretId: string;
  secretKey: string;
  /** Session token of temporary credentials. */
  token?: string;
  /** The SMS application id (`SmsSdkAppId`, 1400…). */
  smsSdkAppId: string;
  /** Default sign name; required by Tencent for mainland numbers, ignored abroad. */
  signName?: string;
  /** `X-TC-Region`. Default `ap-guangzhou`. */
  region?: string;
  /** International sender id (`SenderId`), where the destination requires one. */
  senderId?: string;
}

/** Tencent error codes to classes (reference §3.2; SMS error-code page cloud.tencent.com/document/api/382/55981). */
const ERROR_CODES: Readonly<Record<string, SmsErrorCode>> = {
  'InvalidParameterValue.IncorrectPhoneNumber': 'SMS_INVALID_NUMBER',
  'FailedOperation.PhoneNumberParseFail': 'SMS_INVALID_NUMBER',
  'FailedOperation.PhoneNumberInBlacklist': 'SMS_RECIPIENT_BLOCKED',
  'FailedOperation.PhoneNumberOnBlacklist': 'SMS_RECIPIENT_BLOCKED',
  'FailedOperation.TemplateIncorrectOrUnapproved': 'SMS_TEMPLATE_REJECTED',
  'FailedOperation.TemplateParamSetNotMatchApprovedTemplate': 'SMS_TEMPLATE_REJECTED',
  'FailedOperation.TemplateUnapprovedOrNotExist': 'SMS_TEMPLATE_REJECTED',
  'InvalidParameterValue.TemplateParameterFormatError': 'SMS_TEMPLATE_REJECTED',
  'InvalidParameterValue.TemplateParameterLengthLimit': 'SMS_TEMPLATE_REJECTED',
  'FailedOperation.SignatureIncorrectOrUnapproved': 'SMS_SIGN_REJECTED',
  'FailedOperation.ContainSensitiveWord': 'SMS_CONTENT_REJECTED',
  'InvalidParameterValue.ProhibitedUseUrlInTemplateParameter': 'SMS_CONTENT_REJECTED',
  'FailedOperation.MarketingSendTimeConstraint': 'SMS_CONTENT_REJECTED',
  'LimitExceeded.PhoneNumberThirtySecondLimit': 'SMS_RATE_LIMITED',
  'LimitExceeded.PhoneNumberOneHourLimit': 'SMS_RATE_LIMITED',
  'LimitExceeded.PhoneNumberDailyLimit': 'SMS_RATE_LIMITED',
  'LimitExceeded.PhoneNumberSameContentDailyLimit': 'SMS_RATE_LIMITED',
  'LimitExceeded.DeliveryFrequencyLimit': 'SMS_RATE_LIMITED',
  RequestLimitExceeded: 'SMS_RATE_LIMITED',
  // More than 200 numbers in one call: the request's fault, not flow control (despite the prefix below).
  'LimitExceeded.PhoneNumberCountLimit': 'SMS_PROVIDER_ERROR',
  'LimitExceeded.DailyLimit': 'SMS_QUOTA_EXHAUSTED',
  'LimitExceeded.AppDailyLimit': 'SMS_QUOTA_EXHAUSTED',
  'LimitExceeded.AppCountryOrRegionDailyLimit': 'SMS_QUOTA_EXHAUSTED',
  'FailedOperation.InsufficientBalanceInSmsPackage': 'SMS_QUOTA_EXHAUSTED',
  'InvalidParameterValue.SdkAppIdNotExist': 'SMS_AUTH_FAILED',
  'UnsupportedOperation.UnsupportedRegion': 'SMS_UNSUPPORTED_MESSAGE',
  'InternalError.Timeout': 'SMS_UNKNOWN_OUTCOME',
};

function classify(code: string): SmsErrorCode {
  const known = ERROR_CODES[code];
  if (known !== undefined) return known;
  if (code.startsWith('AuthFailure') || code.startsWith('UnauthorizedOperation')) return 'SMS_AUTH_FAILED';
  if (code.startsWith('LimitExceeded.PhoneNumber')) return 'SMS_RATE_LIMITED';
  if (code.startsWith('InternalError') || code === 'ServiceUnavailable') return 'SMS_PROVIDER_UNAVAILABLE';
  return 'SMS_PROVIDER_ERROR';
}

function tencentError(
  provider: string,
  code: string,
  message: string | undefined,
  payload: unknown,
): SmsError {
  const kind = classify(code);
  return providerError(provider, kind, code, message, {
    payload,
    // Tencent's own timeout: the message may be on its way.
    mayHaveBeenSent: kind === 'SMS_UNKNOWN_OUTCOME',
  });
}

interface SendStatus {
  SerialNo?: unknown;
  PhoneNumber?: unknown;
  Fee?: unknown;
  Code?: unknown;
  Message?: unknown;
}

class TencentSmsProvider implements SmsProvider {
  readonly name: string;
  readonly kind = 'tencent';
  readonly capabilities: SmsProviderCapabilities = {
    template: true,
    content: false,
    maxBatchSize: BATCH_LIMIT,
  };
  readonly #http: ResolvedHttpOptions;
  readonly #credentials: TencentCredentials;
  readonly #appId: string;
  readonly #signName: string | undefined;
  readonly #region: string;
  readonly #senderId: string | undefined;
  readonly #url: URL;

  constructor(input: TencentSmsOptions) {
    const options = requireOptions(
      'tencent',
      'createTencentProvider',
      input,
      'secretId, secretKey, smsSdkAppId',
    );
    this.#http = resolveHttpOptions('tencent', TENCENT_BASE_URL, options);
    this.name = this.#http.name;
    this.#credentials = {
      secretId: requireString('tencent', 'secretId', options.secretId, 'TENCENTCLOUD_SECRET_ID'),
      secretKey: requireString('tencent', 'secretKey', options.secretKey, 'TENCENTCLOUD_SECRET_KEY'),
      ...(options.token === undefined
        ? {}
        : { token: requireString('tencent', 'token', options.token, 'TENCENTCLOUD_SESSION_TOKEN') }),
    };
    this.#appId = requireString('tencent', 'smsSdkAppId', options.smsSdkAppId, 'TENCENT_SMS_SDK_APP_ID');
    if (!/^\d+$/.test(this.#appId)) {
      throw configError(
        'tencent: `smsSdkAppId` must be the numeric SMS application id (1400…), not the SecretId',
      );
    }
    this.#signName = optionalString('tencent', 'signName', options.signName);
    this.#region = optionalString('tencent', 'region', options.region) ?? 'ap-guangzhou';
    this.#senderId = optionalString('tencent', 'senderId', options.senderId);
    this.#url = new URL(`${this.#http.baseURL}/`);
  }

  send(request: SmsRequest, context: SmsSendContext = {}): Promise<SmsProviderResult> {
    return redacting(request, () => this.#send(request, context));
  }

  async #send(request: SmsRequest, context: SmsSendContext): Promise<SmsProviderResult> {
    const { id, template } = requireTemplateId(request, this);
    const { statuses, body } = await this.#call(
      [request.to],
      id,
      positionalParams(template.params),
      request,
      context,
    );
    const status = statuses[0];
    if (status === undefined) throw unreadableSet(this.name, body);
    return this.#result(status, request.to, body);
  }

  sendBatch(request: SmsBatchRequest, context: SmsSendContext = {}): Promise<SmsBatchProviderResult> {
    return redactingBatch(request, () => this.#sendBatch(request, context));
  }

  async #sendBatch(request: SmsBatchRequest, context: SmsSendContext): Promise<SmsBatchProviderResult> {
    const items = new Array<SmsBatchItem>(request.to.length);
    // One call per (template id, domestic/international): Tencent refuses mixed sets.
    const groups = new Map<string, number[]>();
    request.to.forEach((to, index) => {
      try {
        const { id } = requireTemplateId({ template: request.template, to }, this);
        const key = `${to.isMainlandChina ? 'cn' : 'intl'}\u0000${id}`;
        groups.set(key, [...(groups.get(key) ?? []), index]);
      } catch (error) {
        items[index] = { to: to.e164, ok: false, error: error as SmsError };
      }
    });
    const params = positionalParams(request.template?.params);
    const raws: unknown[] = [];
    for (const [key, indexes] of groups) {
      const templateId = key.slice(key.indexOf('\u0000') + 1);
      const numbers = indexes.map((index) => request.to[index] as PhoneNumber);
      try {
        const { statuses, body } = await this.#call(numbers, templateId, params, request, context);
        raws.push(body);
        const byNumber = new Map<string, SendStatus>();
        for (const status of statuses) {
          const phone = asString(status.PhoneNumber);
          if (phone !== undefined) byNumber.set(phone, status);
        }
        numbers.forEach((to, position) => {
          const index = indexes[position] as number;
          const status = byNumber.get(to.e164) ?? statuses[position];
          try {
            if (status === undefined) throw unreadableSet(this.name, body);
            items[index] = { to: to.e164, ok: true, result: this.#result(status, to, body) };
          } catch (error) {
            items[index] = { to: to.e164, ok: false, error: error as SmsError };
          }
        });
      } catch (error) {
        if (!(error instanceof SmsError)) throw error;
        raws.push(error.payload);
        for (const index of indexes)
          items[index] = { to: (request.to[index] as PhoneNumber).e164, ok: false, error };
      }
    }
    return attachRaw({ provider: this.name, items }, raws);
  }

  toJSON(): { name: string; kind: string } {
    return { name: this.name, kind: this.kind };
  }

  #result(status: SendStatus, to: PhoneNumber, body: unknown): SmsProviderResult {
    const code = asString(status.Code);
    if (code !== 'Ok') {
      if (code === undefined) throw unreadableSet(this.name, body);
      throw tencentError(this.name, code, asString(status.Message), status);
    }
    const serialNo = asString(status.SerialNo);
    if (serialNo === undefined || serialNo === '') throw unreadableSet(this.name, body);
    const fee = typeof status.Fee === 'number' && status.Fee > 0 ? { segments: status.Fee } : {};
    return attachRaw(
      { provider: this.name, messageId: serialNo, to: to.e164, status: 'accepted' as const, ...fee },
      status,
    );
  }

  async #call(
    numbers: readonly PhoneNumber[],
    templateId: string,
    params: string[],
    request: Pick<SmsRequest, 'signName' | 'from' | 'reference'>,
    context: SmsSendContext,
  ): Promise<{ statuses: SendStatus[]; body: unknown }> {
    const domestic = numbers.some((number) => number.isMainlandChina);
    const signName = request.signName ?? this.#signName;
    if (domestic && (signName === undefined || signName === '')) {
      throw new SmsError('SMS_SIGN_REJECTED', `${this.name}: mainland numbers need a sign name`, {
        provider: this.name,
      });
    }
    const payload: Record<string, unknown> = {
      PhoneNumberSet: numbers.map((number) => number.e164),
      SmsSdkAppId: this.#appId,
      TemplateId: templateId,
      TemplateParamSet: params,
    };
    if (signName !== undefined) payload.SignName = signName;
    if (request.reference !== undefined) payload.SessionContext = request.reference;
    const senderId = request.from ?? this.#senderId;
    if (!domestic && senderId !== undefined) payload.SenderId = senderId;
    const text = JSON.stringify(payload);
    const signed = signTencentTc3(
      {
        host: this.#url.host,
        service: 'sms',
        action: 'SendSms',
        version: VERSION,
        region: this.#region,
        payload: text,
      },
      this.#credentials,
      { clock: this.#http.clock },
    );
    const { Host: _host, ...headers } = signed.headers;
    const response = await sendHttp(
      this.name,
      {
        url: this.#url.href,
        method: 'POST',
        headers,
        body: text,
        timeoutMs: this.#http.timeoutMs,
        ...(this.#http.fetch === undefined ? {} : { fetch: this.#http.fetch }),
      },
      context.signal,
    );
    const body = parseProviderJson(this.name, response);
    const inner = isRecord(body) ? body.Response : undefined;
    if (!isRecord(inner)) throw unreadable(this.name, response);
    if (isRecord(inner.Error)) {
      const code = asString(inner.Error.Code) ?? 'UnknownError';
      throw tencentError(this.name, code, asString(inner.Error.Message), body);
    }
    if (response.status < 200 || response.status >= 300 || !Array.isArray(inner.SendStatusSet)) {
      throw unreadable(this.name, response);
    }
    return { statuses: inner.SendStatusSet.filter(isRecord) as SendStatus[], body };
  }
}

function unreadableSet(provider: string, body: unknown): SmsError {
  return new SmsError(
    'SMS_BAD_RESPONSE',
    `${provider}: SendStatusSet lacks an entry; the message may have been sent`,
    {
      provider,
      payload: body,
      mayHaveBeenSent: true,
    },
  );
}

/** A Tencent Cloud SMS provider (template messages only; positional params). */
export function createTencentProvider(options: TencentSmsOptions): SmsProvider {
  return new TencentSmsProvider(options);
}
