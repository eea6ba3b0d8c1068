// Vonage (Nexmo) SMS API: POST /sms/json, form fields, key/secret in the body; each part of a long
// message has its own entry in `messages`, `status` "0" meaning accepted (reference §2.6).
import { attachRaw } from '../attempt.js';
import { optionalUrl, requireOptions, requireString } from '../internal/config.js';
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
import { redacting } from '../internal/redact.js';
import type { SmsRequest } from '../message.js';
import type { SmsProvider, SmsProviderCapabilities, SmsProviderResult, SmsSendContext } from '../provider.js';
import type { SmsErrorCode } from '../sms-error.js';
import { resolveContent } from '../template.js';

export const VONAGE_BASE_URL = 'https://rest.nexmo.com';

export interface VonageSmsOptions extends HttpProviderOptions {
  apiKey: string;
  apiSecret: string;
  /** Sender id or number (`from`). */
  from: string;
  /** Delivery-receipt webhook (`callback`); otherwise the account-level one applies. */
  callback?: string;
}

/** Vonage SMS API status codes (developer.vonage.com, SMS API "Troubleshooting"). */
const STATUS_CODES: Readonly<Record<string, SmsErrorCode>> = {
  '1': 'SMS_RATE_LIMITED',
  '4': 'SMS_AUTH_FAILED',
  '5': 'SMS_PROVIDER_UNAVAILABLE',
  '6': 'SMS_UNSUPPORTED_MESSAGE',
  '7': 'SMS_RECIPIENT_BLOCKED',
  '8': 'SMS_AUTH_FAILED',
  '9': 'SMS_QUOTA_EXHAUSTED',
  '10': 'SMS_RATE_LIMITED',
  '11': 'SMS_AUTH_FAILED',
  '12': 'SMS_CONTENT_REJECTED',
  '14': 'SMS_AUTH_FAILED',
  '15': 'SMS_SIGN_REJECTED',
  '22': 'SMS_INVALID_NUMBER',
  '29': 'SMS_RECIPIENT_BLOCKED',
  '32': 'SMS_AUTH_FAILED',
  '33': 'SMS_INVALID_NUMBER',
};

function classify(status: string, text: string | undefined): SmsErrorCode {
  const known = STATUS_CODES[status];
  if (known !== undefined) return known;
  // 2 "missing params" and 3 "invalid params" name the field in error-text.
  if ((status === '2' || status === '3') && /\bto\b/i.test(text ?? '')) return 'SMS_INVALID_NUMBER';
  if ((status === '2' || status === '3') && /\btext\b/i.test(text ?? '')) return 'SMS_CONTENT_REJECTED';
  if ((status === '2' || status === '3') && /\bfrom\b/i.test(text ?? '')) return 'SMS_SIGN_REJECTED';
  return 'SMS_PROVIDER_ERROR';
}

class VonageSmsProvider implements SmsProvider {
  readonly name: string;
  readonly kind = 'vonage';
  readonly capabilities: SmsProviderCapabilities = { template: false, content: true };
  readonly #http: ResolvedHttpOptions;
  readonly #credentials: { apiKey: string; apiSecret: string };
  readonly #from: string;
  readonly #callback: string | undefined;

  constructor(input: VonageSmsOptions) {
    const options = requireOptions('vonage', 'createVonageProvider', input, 'apiKey, apiSecret, from');
    this.#http = resolveHttpOptions('vonage', VONAGE_BASE_URL, options);
    this.name = this.#http.name;
    this.#credentials = {
      apiKey: requireString('vonage', 'apiKey', options.apiKey, 'VONAGE_API_KEY'),
      apiSecret: requireString('vonage', 'apiSecret', options.apiSecret, 'VONAGE_API_SECRET'),
    };
    this.#from = requireString('vonage', 'from', options.from);
    this.#callback = optionalUrl('vonage', 'callback', options.callback);
  }

  send(request: SmsRequest, context: SmsSendContext = {}): Promise<SmsProviderResult> {
    return redacting(request, () => this.#send(request, context));
  }

  async #send(request: SmsRequest, context: SmsSendContext): Promise<SmsProviderResult> {
    const text = resolveContent(request, this);
    const form = new URLSearchParams({
      api_key: this.#credentials.apiKey,
      api_secret: this.#credentials.apiSecret,
      from: request.from ?? this.#from,
      to: request.to.format('digits'),
      text,
    });
    // GSM-ish text goes as `text`; anything else (Chinese, emoji) needs `unicode` or arrives garbled.
    if (!/^[\x20-\x7e\r\n]*$/.test(text)) form.set('type', 'unicode');
    if (this.#callback !== undefined) form.set('callback', this.#callback);
    if (request.reference !== undefined) form.set('client-ref', request.reference);
    const response = await sendHttp(
      this.name,
      {
        url: `${this.#http.baseURL}/sms/json`,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        timeoutMs: this.#http.timeoutMs,
        ...(this.#http.fetch === undefined ? {} : { fetch: this.#http.fetch }),
      },
      context.signal,
    );
    const body = parseProviderJson(this.name, response);
    const messages = isRecord(body) && Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
    const first = messages[0];
    if (first === undefined) throw unreadable(this.name, response);
    const failed = messages.find((message) => asString(message.status) !== '0');
    if (failed !== undefined) {
      const status = asString(failed.status) ?? '';
      const errorText = asString(failed['error-text']);
      throw providerError(this.name, classify(status, errorText), status, errorText, {
        status: response.status,
        payload: body,
        // A later part failing means the earlier parts went out.
        mayHaveBeenSent: failed !== first,
      });
    }
    const messageId = asString(first['message-id']);
    if (messageId === undefined) throw unreadable(this.name, response);
    return attachRaw(
      {
        provider: this.name,
        messageId,
        to: request.to.e164,
        status: 'accepted' as const,
        segments: messages.length,
      },
      body,
    );
  }

  toJSON(): { name: string; kind: string } {
    return { name: this.name, kind: this.kind };
  }
}

/** A Vonage SMS API provider (text messages). */
export function createVonageProvider(options: VonageSmsOptions): SmsProvider {
  return new VonageSmsProvider(options);
}
