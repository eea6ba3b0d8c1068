// Aliyun Dysmsapi 2017-05-25: SendSms and SendBatchSms (help.aliyun.com/document_detail/55284,
// reference §3.1). Signed with V3 (ACS3-HMAC-SHA256, params in the query, empty body) by default, or
// RPC v1 (HMAC-SHA1, everything in a POST form).
import {
  type AliyunCredentials,
  type HttpResponse,
  percentEncode,
  signAliyunAcs3,
  signAliyunRpc,
} from '@lingpai/auth-core';
import { attachRaw } from '../attempt.js';
import { oneOf, optionalString, requireOptions, requireString } from '../internal/config.js';
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
import { namedParams, requireTemplateId } from '../template.js';

const VERSION = '2017-05-25';

/** Mainland China site. */
export const ALIYUN_BASE_URL = 'https://dysmsapi.aliyuncs.com';
/** International site (Singapore). */
export const ALIYUN_INTL_BASE_URL = 'https://dysmsapi.ap-southeast-1.aliyuncs.com';

/** SendBatchSms takes at most 100 numbers per call. */
const BATCH_LIMIT = 100;

export interface AliyunSmsOptions extends HttpProviderOptions {
  accessKeyId: string;
  accessKeySecret: string;
  /** STS temporary credentials. */
  securityToken?: string;
  /** Default sign name (签名); a message's `signName` overrides it. */
  signName?: string;
  /** `'acs3'` (default, V3 ACS3-HMAC-SHA256) or `'rpc'` (v1 HMAC-SHA1, POST form). */
  signatureVersion?: 'acs3' | 'rpc';
  /** Picks the default `baseURL`: `'china'` (default) or `'international'`. */
  site?: 'china' | 'international';
}

/**
 * Aliyun error codes to classes. Sources: reference §3.1 (isv.BUSINESS_LIMIT_CONTROL confirmed; the
 * rest from Aliyun's SMS error-code page, marked unverified there) and the common OpenAPI gateway codes.
 */
const ERROR_CODES: Readonly<Record<string, SmsErrorCode>> = {
  'isv.MOBILE_NUMBER_ILLEGAL': 'SMS_INVALID_NUMBER',
  'isv.PHONE_NUMBER_ILLEGAL': 'SMS_INVALID_NUMBER',
  MissingPhoneNumbers: 'SMS_INVALID_NUMBER',
  'isv.SMS_TEMPLATE_ILLEGAL': 'SMS_TEMPLATE_REJECTED',
  'isv.TEMPLATE_MISSING_PARAMETERS': 'SMS_TEMPLATE_REJECTED',
  'isv.TEMPLATE_PARAMS_ILLEGAL': 'SMS_TEMPLATE_REJECTED',
  'isv.INVALID_JSON_PARAM': 'SMS_TEMPLATE_REJECTED',
  'isv.PARAM_LENGTH_LIMIT': 'SMS_TEMPLATE_REJECTED',
  MissingTemplateCode: 'SMS_TEMPLATE_REJECTED',
  'isv.SMS_SIGNATURE_ILLEGAL': 'SMS_SIGN_REJECTED',
  'isv.SIGN_NAME_ILLEGAL': 'SMS_SIGN_REJECTED',
  'isv.SMS_SIGN_ILLEGAL': 'SMS_SIGN_REJECTED',
  MissingSignName: 'SMS_SIGN_REJECTED',
  'isv.BLACK_KEY_CONTROL_LIMIT': 'SMS_CONTENT_REJECTED',
  'isv.SMS_CONTENT_ILLEGAL': 'SMS_CONTENT_REJECTED',
  'isv.BLACKLIST': 'SMS_RECIPIENT_BLOCKED',
  'isv.BUSINESS_LIMIT_CONTROL': 'SMS_RATE_LIMITED',
  Throttling: 'SMS_RATE_LIMITED',
  'Throttling.User': 'SMS_RATE_LIMITED',
  'Throttling.Api': 'SMS_RATE_LIMITED',
  'isv.DAY_LIMIT_CONTROL': 'SMS_QUOTA_EXHAUSTED',
  'isv.AMOUNT_NOT_ENOUGH': 'SMS_QUOTA_EXHAUSTED',
  'isv.OUT_OF_SERVICE': 'SMS_QUOTA_EXHAUSTED',
  'isv.ACCOUNT_NOT_EXISTS': 'SMS_AUTH_FAILED',
  'isv.ACCOUNT_ABNORMAL': 'SMS_AUTH_FAILED',
  'isv.PRODUCT_UN_SUBSCRIPT': 'SMS_AUTH_FAILED',
  'isv.PRODUCT_UNSUBSCRIBE': 'SMS_AUTH_FAILED',
  'isv.RAM_PERMISSION_DENY': 'SMS_AUTH_FAILED',
  'InvalidAccessKeyId.NotFound': 'SMS_AUTH_FAILED',
  'InvalidAccessKeyId.Inactive': 'SMS_AUTH_FAILED',
  SignatureDoesNotMatch: 'SMS_AUTH_FAILED',
  IncompleteSignature: 'SMS_AUTH_FAILED',
  SignatureNonceUsed: 'SMS_AUTH_FAILED',
  'InvalidTimeStamp.Expired': 'SMS_AUTH_FAILED',
  'InvalidTimeStamp.Format': 'SMS_AUTH_FAILED',
  'Forbidden.RAM': 'SMS_AUTH_FAILED',
  'InvalidSecurityToken.Expired': 'SMS_AUTH_FAILED',
  'isp.SYSTEM_ERROR': 'SMS_PROVIDER_UNAVAILABLE',
  ServiceUnavailable: 'SMS_PROVIDER_UNAVAILABLE',
  InternalError: 'SMS_PROVIDER_UNAVAILABLE',
};

function classify(code: string, status: number): SmsErrorCode {
  const known = ERROR_CODES[code];
  if (known !== undefined) return known;
  if (status >= 500) return 'SMS_PROVIDER_UNAVAILABLE';
  if (code.startsWith('InvalidAccessKeyId') || code.startsWith('Signature')) return 'SMS_AUTH_FAILED';
  if (code.startsWith('Throttling')) return 'SMS_RATE_LIMITED';
  return 'SMS_PROVIDER_ERROR';
}

/** Mainland numbers as the bare 11 digits, others as country code + number without `+` (doc 55284). */
function aliyunNumber(to: PhoneNumber): string {
  return to.isMainlandChina ? to.nationalNumber : to.format('digits');
}

class AliyunSmsProvider implements SmsProvider {
  readonly name: string;
  readonly kind = 'aliyun';
  readonly capabilities: SmsProviderCapabilities = {
    template: true,
    content: false,
    maxBatchSize: BATCH_LIMIT,
  };
  readonly #http: ResolvedHttpOptions;
  readonly #credentials: AliyunCredentials;
  readonly #signName: string | undefined;
  readonly #signatureVersion: 'acs3' | 'rpc';
  readonly #url: URL;

  constructor(input: AliyunSmsOptions) {
    const options = requireOptions(
      'aliyun',
      'createAliyunProvider',
      input,
      'accessKeyId, accessKeySecret, signName',
    );
    const site = oneOf('aliyun', 'site', options.site, ['china', 'international'], 'china');
    const defaultBase = site === 'international' ? ALIYUN_INTL_BASE_URL : ALIYUN_BASE_URL;
    this.#http = resolveHttpOptions('aliyun', defaultBase, options);
    this.name = this.#http.name;
    this.#credentials = {
      accessKeyId: requireString('aliyun', 'accessKeyId', options.accessKeyId, 'ALIBABA_CLOUD_ACCESS_KEY_ID'),
      accessKeySecret: requireString(
        'aliyun',
        'accessKeySecret',
        options.accessKeySecret,
        'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
      ),
      ...(options.securityToken === undefined
        ? {}
        : {
            securityToken: requireString(
              'aliyun',
              'securityToken',
              options.securityToken,
              'ALIBABA_CLOUD_SECURITY_TOKEN',
            ),
          }),
    };
    this.#signName = optionalString('aliyun', 'signName', options.signName);
    this.#signatureVersion = oneOf(
      'aliyun',
      'signatureVersion',
      options.signatureVersion,
      ['acs3', 'rpc'],
      'acs3',
    );
    // RPC-style APIs live at "/" of the endpoint; a sandbox prefix becomes the path.
    this.#url = new URL(`${this.#http.baseURL}/`);
  }

  send(request: SmsRequest, context: SmsSendContext = {}): Promise<SmsProviderResult> {
    return redacting(request, () => this.#send(request, context));
  }

  async #send(request: SmsRequest, context: SmsSendContext): Promise<SmsProviderResult> {
    const { id, template } = requireTemplateId(request, this);
    const params: Record<string, string> = {
      PhoneNumbers: aliyunNumber(request.to),
      SignName: this.#sign(request.signName),
      TemplateCode: id,
    };
    const templateParams = namedParams(template.params, this);
    if (Object.keys(templateParams).length > 0) params.TemplateParam = JSON.stringify(templateParams);
    if (request.reference !== undefined) params.OutId = request.reference;
    const body = await this.#call('SendSms', params, context);
    return attachRaw(
      { provider: this.name, messageId: this.#bizId(body), to: request.to.e164, status: 'accepted' as const },
      body,
    );
  }

  /** SendBatchSms: one call per template id (recipients of different regions may need different ones). */
  sendBatch(request: SmsBatchRequest, context: SmsSendContext = {}): Promise<SmsBatchProviderResult> {
    return redactingBatch(request, () => this.#sendBatch(request, context));
  }

  async #sendBatch(request: SmsBatchRequest, context: SmsSendContext): Promise<SmsBatchProviderResult> {
    const items = new Array<SmsBatchItem>(request.to.length);
    const groups = new Map<string, number[]>();
    request.to.forEach((to, index) => {
      try {
        const { id } = requireTemplateId({ template: request.template, to }, this);
        groups.set(id, [...(groups.get(id) ?? []), index]);
      } catch (error) {
        items[index] = { to: to.e164, ok: false, error: error as SmsError };
      }
    });
    const raws: unknown[] = [];
    for (const [templateCode, indexes] of groups) {
      const sign = this.#sign(request.signName);
      const templateParams = namedParams(request.template?.params, this);
      const hasParams = Object.keys(templateParams).length > 0;
      const params: Record<string, string> = {
        PhoneNumberJson: JSON.stringify(
          indexes.map((index) => aliyunNumber(request.to[index] as PhoneNumber)),
        ),
        SignNameJson: JSON.stringify(indexes.map(() => sign)),
        TemplateCode: templateCode,
      };
      if (hasParams) params.TemplateParamJson = JSON.stringify(indexes.map(() => templateParams));
      try {
        const body = await this.#call('SendBatchSms', params, context);
        raws.push(body);
        // One BizId covers the batch; delivery reports tell recipients apart by number.
        const bizId = this.#bizId(body);
        for (const index of indexes) {
          const to = (request.to[index] as PhoneNumber).e164;
          items[index] = {
            to,
            ok: true,
            result: attachRaw(
              { provider: this.name, messageId: bizId, to, status: 'accepted' as const },
              body,
            ),
          };
        }
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

  #sign(override: string | undefined): string {
    const sign = override ?? this.#signName;
    if (sign === undefined || sign === '') {
      throw new SmsError(
        'SMS_SIGN_REJECTED',
        `${this.name}: no sign name; set signName on the provider or the message`,
        {
          provider: this.name,
        },
      );
    }
    return sign;
  }

  #bizId(body: Record<string, unknown>): string {
    const bizId = asString(body.BizId);
    if (bizId === undefined || bizId === '') {
      throw new SmsError(
        'SMS_BAD_RESPONSE',
        `${this.name}: Code OK without a BizId; the message may have been sent`,
        {
          provider: this.name,
          payload: body,
          mayHaveBeenSent: true,
        },
      );
    }
    return bizId;
  }

  async #call(
    action: string,
    params: Record<string, string>,
    context: SmsSendContext,
  ): Promise<Record<string, unknown>> {
    const signing = { clock: this.#http.clock, nonce: this.#http.nonce };
    let response: HttpResponse;
    if (this.#signatureVersion === 'acs3') {
      const query = Object.keys(params)
        .sort()
        .map((key) => `${percentEncode(key)}=${percentEncode(params[key] as string)}`)
        .join('&');
      const signed = signAliyunAcs3(
        {
          method: 'POST',
          host: this.#url.host,
          path: decodeURIComponent(this.#url.pathname),
          query: params,
          action,
          version: VERSION,
          body: '',
        },
        this.#credentials,
        signing,
      );
      // fetch sets Host from the URL; sending it again is refused by some runtimes.
      const { host: _host, ...headers } = signed.headers;
      response = await sendHttp(
        this.name,
        {
          url: `${this.#url.href}?${query}`,
          method: 'POST',
          headers,
          timeoutMs: this.#http.timeoutMs,
          ...(this.#http.fetch === undefined ? {} : { fetch: this.#http.fetch }),
        },
        context.signal,
      );
    } else {
      const signed = signAliyunRpc(
        { method: 'POST', params: { ...params, Action: action, Version: VERSION, Format: 'JSON' } },
        this.#credentials,
        signing,
      );
      response = await sendHttp(
        this.name,
        {
          url: this.#url.href,
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: signed.query,
          timeoutMs: this.#http.timeoutMs,
          ...(this.#http.fetch === undefined ? {} : { fetch: this.#http.fetch }),
        },
        context.signal,
      );
    }
    const body = parseProviderJson(this.name, response);
    if (!isRecord(body)) throw unreadable(this.name, response);
    const code = asString(body.Code);
    if (code === 'OK' && response.status >= 200 && response.status < 300) return body;
    if (code === undefined) throw unreadable(this.name, response);
    throw providerError(this.name, classify(code, response.status), code, asString(body.Message), {
      status: response.status,
      payload: body,
    });
  }
}

/** An Aliyun SMS provider (template messages only). */
export function createAliyunProvider(options: AliyunSmsOptions): SmsProvider {
  return new AliyunSmsProvider(options);
}
