// MoceanAPI: POST /rest/2/sms, form fields `mocean-*`, JSON forced with `mocean-resp-format=json`
// (the default is XML). Credentials as key/secret fields or a Bearer token. Reference §2.5, §3.4.
import { attachRaw } from '../attempt.js';
import { configError, optionalUrl, requireOptions, requireString } from '../internal/config.js';
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
import type { SmsError, SmsErrorCode } from '../sms-error.js';
import { resolveContent } from '../template.js';

export const MOCEAN_BASE_URL = 'https://rest.moceanapi.com';

export interface MoceanSmsOptions extends HttpProviderOptions {
  /** API token (`Authorization: Bearer`), or the legacy `apiKey` + `apiSecret`. */
  apiToken?: string;
  apiKey?: string;
  apiSecret?: string;
  /** `mocean-from`: sender id or number. */
  from: string;
  /** `mocean-dlr-url` for delivery reports. */
  dlrUrl?: string;
}

/** Mocean status codes (reference §3.4, "SMS status code" table). */
const STATUS_CODES: Readonly<Record<number, SmsErrorCode>> = {
  1: 'SMS_AUTH_FAILED',
  2: 'SMS_QUOTA_EXHAUSTED',
  4: 'SMS_RECIPIENT_BLOCKED',
  5: 'SMS_RECIPIENT_BLOCKED',
  6: 'SMS_INVALID_NUMBER',
  8: 'SMS_SIGN_REJECTED',
  19: 'SMS_CONTENT_REJECTED',
  20: 'SMS_PROVIDER_ERROR',
  23: 'SMS_CONTENT_REJECTED',
  24: 'SMS_PROVIDER_ERROR',
  27: 'SMS_PROVIDER_ERROR',
  28: 'SMS_INVALID_NUMBER',
  29: 'SMS_CONTENT_REJECTED',
  32: 'SMS_RATE_LIMITED',
  34: 'SMS_PROVIDER_ERROR',
  37: 'SMS_SIGN_REJECTED',
  40: 'SMS_PROVIDER_UNAVAILABLE',
  43: 'SMS_RATE_LIMITED',
  44: 'SMS_SIGN_REJECTED',
  45: 'SMS_PROVIDER_UNAVAILABLE',
  48: 'SMS_SIGN_REJECTED',
  49: 'SMS_SIGN_REJECTED',
  50: 'SMS_CONTENT_REJECTED',
  65: 'SMS_INVALID_NUMBER',
  69: 'SMS_CONTENT_REJECTED',
  70: 'SMS_AUTH_FAILED',
  73: 'SMS_RECIPIENT_BLOCKED',
};

class MoceanSmsProvider implements SmsProvider {
  readonly name: string;
  readonly kind = 'mocean';
  readonly capabilities: SmsProviderCapabilities = { template: false, content: true };
  readonly #http: ResolvedHttpOptions;
  readonly #auth: { token: string } | { key: string; secret: string };
  readonly #from: string;
  readonly #dlrUrl: string | undefined;

  constructor(input: MoceanSmsOptions) {
    const options = requireOptions('mocean', 'createMoceanProvider', input, 'apiToken, from');
    this.#http = resolveHttpOptions('mocean', MOCEAN_BASE_URL, options);
    this.name = this.#http.name;
    if (options.apiToken !== undefined && options.apiToken !== '') {
      this.#auth = { token: requireString('mocean', 'apiToken', options.apiToken) };
    } else if (options.apiKey !== undefined || options.apiSecret !== undefined) {
      this.#auth = {
        key: requireString('mocean', 'apiKey', options.apiKey, 'MOCEAN_API_KEY'),
        secret: requireString('mocean', 'apiSecret', options.apiSecret, 'MOCEAN_API_SECRET'),
      };
    } else {
      throw configError(
        `mocean: \`apiToken\` ${options.apiToken === '' ? 'is an empty string' : 'is undefined'} and no \`apiKey\`/\`apiSecret\` were given — is MOCEAN_API_TOKEN set?`,
      );
    }
    this.#from = requireString('mocean', 'from', options.from);
    this.#dlrUrl = optionalUrl('mocean', 'dlrUrl', options.dlrUrl);
  }

  send(request: SmsRequest, context: SmsSendContext = {}): Promise<SmsProviderResult> {
    return redacting(request, () => this.#send(request, context));
  }

  async #send(request: SmsRequest, context: SmsSendContext): Promise<SmsProviderResult> {
    const form = new URLSearchParams();
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if ('token' in this.#auth) headers.authorization = `Bearer ${this.#auth.token}`;
    else {
      form.set('mocean-api-key', this.#auth.key);
      form.set('mocean-api-secret', this.#auth.secret);
    }
    form.set('mocean-from', request.from ?? this.#from);
    form.set('mocean-to', request.to.format('digits'));
    form.set('mocean-text', resolveContent(request, this));
    form.set('mocean-resp-format', 'json');
    if (this.#dlrUrl !== undefined) {
      form.set('mocean-dlr-url', this.#dlrUrl);
      form.set('mocean-dlr-mask', '1');
    }
    const response = await sendHttp(
      this.name,
      {
        url: `${this.#http.baseURL}/rest/2/sms`,
        method: 'POST',
        headers,
        body: form.toString(),
        timeoutMs: this.#http.timeoutMs,
        ...(this.#http.fetch === undefined ? {} : { fetch: this.#http.fetch }),
      },
      context.signal,
    );
    const body = parseProviderJson(this.name, response);
    if (!isRecord(body)) throw unreadable(this.name, response);
    // A top-level status means the whole request failed; otherwise each message has its own.
    if (body.status !== undefined && Number(body.status) !== 0) {
      throw this.#error(Number(body.status), asString(body.err_msg), response.status, body);
    }
    const message = Array.isArray(body.messages) ? body.messages.find(isRecord) : undefined;
    if (message === undefined) throw unreadable(this.name, response);
    const status = Number(message.status);
    if (status !== 0) throw this.#error(status, asString(message.err_msg), response.status, body);
    const msgid = asString(message.msgid);
    if (msgid === undefined || msgid === '') throw unreadable(this.name, response);
    return attachRaw(
      { provider: this.name, messageId: msgid, to: request.to.e164, status: 'accepted' as const },
      body,
    );
  }

  toJSON(): { name: string; kind: string } {
    return { name: this.name, kind: this.kind };
  }

  #error(code: number, message: string | undefined, status: number, payload: unknown): SmsError {
    const kind = STATUS_CODES[code] ?? (status >= 400 ? codeForStatus(status) : 'SMS_PROVIDER_ERROR');
    return providerError(this.name, kind, String(code), message, { status, payload });
  }
}

/** A MoceanAPI provider (text messages). */
export function createMoceanProvider(options: MoceanSmsOptions): SmsProvider {
  return new MoceanSmsProvider(options);
}
