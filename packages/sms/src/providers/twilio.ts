// Twilio Programmable Messaging: POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded,
// HTTP Basic (AccountSid:AuthToken or ApiKeySid:ApiKeySecret). Reference §2.4, §3.3.
import { basicAuthorization } from '@lingpai/auth-core';
import { attachRaw } from '../attempt.js';
import {
  configError,
  optionalString,
  optionalUrl,
  requireOptions,
  requireString,
} from '../internal/config.js';
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
import type { SmsErrorCode } from '../sms-error.js';
import { resolveContent } from '../template.js';

export const TWILIO_BASE_URL = 'https://api.twilio.com';
const API_VERSION = '2010-04-01';

export interface TwilioSmsOptions extends HttpProviderOptions {
  accountSid: string;
  /** The account's auth token; or give `apiKeySid` + `apiKeySecret` instead. */
  authToken?: string;
  apiKeySid?: string;
  apiKeySecret?: string;
  /** Default `From` number (E.164) or alphanumeric sender id. */
  from?: string;
  /** Send through a Messaging Service instead of a `From` number. */
  messagingServiceSid?: string;
  /** `StatusCallback` URL for delivery reports; the message `reference` is added as `?reference=`. */
  statusCallback?: string;
  /** `ValidityPeriod` in seconds (1–36,000). */
  validityPeriod?: number;
}

/** Twilio error codes (twilio.com/docs/errors) to classes. */
const ERROR_CODES: Readonly<Record<number, SmsErrorCode>> = {
  20003: 'SMS_AUTH_FAILED',
  20404: 'SMS_AUTH_FAILED',
  20005: 'SMS_AUTH_FAILED',
  30002: 'SMS_AUTH_FAILED',
  20429: 'SMS_RATE_LIMITED',
  14107: 'SMS_RATE_LIMITED',
  21611: 'SMS_RATE_LIMITED',
  30001: 'SMS_RATE_LIMITED',
  21211: 'SMS_INVALID_NUMBER',
  21214: 'SMS_INVALID_NUMBER',
  21217: 'SMS_INVALID_NUMBER',
  21401: 'SMS_INVALID_NUMBER',
  21604: 'SMS_INVALID_NUMBER',
  21614: 'SMS_INVALID_NUMBER',
  30006: 'SMS_INVALID_NUMBER',
  21610: 'SMS_RECIPIENT_BLOCKED',
  30004: 'SMS_RECIPIENT_BLOCKED',
  21602: 'SMS_CONTENT_REJECTED',
  21617: 'SMS_CONTENT_REJECTED',
  30007: 'SMS_CONTENT_REJECTED',
  21212: 'SMS_SIGN_REJECTED',
  21603: 'SMS_SIGN_REJECTED',
  21606: 'SMS_SIGN_REJECTED',
  21703: 'SMS_SIGN_REJECTED',
  21704: 'SMS_SIGN_REJECTED',
  21705: 'SMS_SIGN_REJECTED',
  21408: 'SMS_UNSUPPORTED_MESSAGE',
  21612: 'SMS_UNSUPPORTED_MESSAGE',
};

class TwilioSmsProvider implements SmsProvider {
  readonly name: string;
  readonly kind = 'twilio';
  readonly capabilities: SmsProviderCapabilities = { template: false, content: true };
  readonly #http: ResolvedHttpOptions;
  readonly #authorization: string;
  readonly #url: string;
  readonly #from: string | undefined;
  readonly #serviceSid: string | undefined;
  readonly #statusCallback: string | undefined;
  readonly #validityPeriod: number | undefined;

  constructor(input: TwilioSmsOptions) {
    const options = requireOptions('twilio', 'createTwilioProvider', input, 'accountSid, authToken, from');
    this.#http = resolveHttpOptions('twilio', TWILIO_BASE_URL, options);
    this.name = this.#http.name;
    const accountSid = requireString('twilio', 'accountSid', options.accountSid, 'TWILIO_ACCOUNT_SID');
    if (options.apiKeySid !== undefined) {
      this.#authorization = basicAuthorization(
        requireString('twilio', 'apiKeySid', options.apiKeySid, 'TWILIO_API_KEY'),
        requireString('twilio', 'apiKeySecret', options.apiKeySecret, 'TWILIO_API_SECRET'),
      );
    } else {
      this.#authorization = basicAuthorization(
        accountSid,
        requireString('twilio', 'authToken', options.authToken, 'TWILIO_AUTH_TOKEN'),
      );
    }
    this.#url = `${this.#http.baseURL}/${API_VERSION}/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
    this.#from = optionalString('twilio', 'from', options.from, 'TWILIO_FROM');
    this.#serviceSid = optionalString('twilio', 'messagingServiceSid', options.messagingServiceSid);
    if (this.#from === undefined && this.#serviceSid === undefined) {
      throw configError('twilio: set `from` (a number such as +15005550006) or `messagingServiceSid` (MG…)');
    }
    this.#statusCallback = optionalUrl('twilio', 'statusCallback', options.statusCallback);
    const validity = options.validityPeriod;
    if (validity !== undefined && !(Number.isInteger(validity) && validity >= 1 && validity <= 36_000)) {
      throw configError('twilio: `validityPeriod` must be a whole number of seconds from 1 to 36000');
    }
    this.#validityPeriod = validity;
  }

  send(request: SmsRequest, context: SmsSendContext = {}): Promise<SmsProviderResult> {
    return redacting(request, () => this.#send(request, context));
  }

  async #send(request: SmsRequest, context: SmsSendContext): Promise<SmsProviderResult> {
    const form = new URLSearchParams({ To: request.to.e164, Body: resolveContent(request, this) });
    const from = request.from ?? this.#from;
    // An explicit `from` on the message wins over the account's Messaging Service.
    if (this.#serviceSid !== undefined && request.from === undefined)
      form.set('MessagingServiceSid', this.#serviceSid);
    else if (from !== undefined) form.set('From', from);
    if (this.#statusCallback !== undefined) {
      const callback = new URL(this.#statusCallback);
      if (request.reference !== undefined) callback.searchParams.set('reference', request.reference);
      form.set('StatusCallback', callback.href);
    }
    if (this.#validityPeriod !== undefined) form.set('ValidityPeriod', String(this.#validityPeriod));
    const response = await sendHttp(
      this.name,
      {
        url: this.#url,
        method: 'POST',
        headers: { authorization: this.#authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        timeoutMs: this.#http.timeoutMs,
        ...(this.#http.fetch === undefined ? {} : { fetch: this.#http.fetch }),
      },
      context.signal,
    );
    const body = parseProviderJson(this.name, response);
    if (!isRecord(body)) throw unreadable(this.name, response);
    const ok = response.status >= 200 && response.status < 300;
    const errorCode = body.error_code ?? (ok ? null : body.code);
    const status = asString(body.status);
    if (
      !ok ||
      (errorCode !== null && errorCode !== undefined) ||
      status === 'failed' ||
      status === 'undelivered'
    ) {
      const numeric = typeof errorCode === 'number' ? errorCode : Number(asString(errorCode));
      const kind = ERROR_CODES[numeric] ?? codeForStatus(response.status);
      throw providerError(
        this.name,
        kind,
        asString(errorCode),
        asString(body.message) ?? asString(body.error_message),
        { status: response.status, payload: body },
      );
    }
    const sid = asString(body.sid);
    if (sid === undefined || sid === '') throw unreadable(this.name, response);
    const segments = Number(asString(body.num_segments));
    return attachRaw(
      {
        provider: this.name,
        messageId: sid,
        to: request.to.e164,
        status: 'accepted' as const,
        ...(Number.isInteger(segments) && segments > 0 ? { segments } : {}),
      },
      body,
    );
  }

  toJSON(): { name: string; kind: string } {
    return { name: this.name, kind: this.kind };
  }
}

/** A Twilio provider (text messages). */
export function createTwilioProvider(options: TwilioSmsOptions): SmsProvider {
  return new TwilioSmsProvider(options);
}
