import {
  type Clock,
  type FetchLike,
  HttpError,
  type HttpRequest,
  type HttpResponse,
  httpRequest,
  type NonceSource,
  systemClock,
  uuidNonce,
} from '@lingpai/auth-core';
import { SmsError, type SmsErrorCode } from '../sms-error.js';
import { configError, optionalFunction, optionalString, optionalUrl } from './config.js';
import { cutSigningEcho } from './redact.js';

export { requireString } from './config.js';

/** Options every HTTP provider takes. */
export interface HttpProviderOptions {
  /** Instance name; defaults to the provider kind. */
  name?: string;
  /** Base URL of the API (point it at a sandbox or a proxy); each provider documents its default. */
  baseURL?: string;
  /** `fetch` to use; defaults to the global one (undici, keep-alive). */
  fetch?: FetchLike;
  /** Per-request timeout in milliseconds. Default 10,000 (Aliyun asks for at least 1 s). */
  timeoutMs?: number;
  /** Clock for signature timestamps. */
  clock?: Clock;
  /** Nonce source for signatures that need one. */
  nonce?: NonceSource;
}

export interface ResolvedHttpOptions {
  name: string;
  baseURL: string;
  fetch: FetchLike | undefined;
  timeoutMs: number;
  clock: Clock;
  nonce: NonceSource;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export function resolveHttpOptions(
  kind: string,
  defaultBaseURL: string,
  options: HttpProviderOptions,
): ResolvedHttpOptions {
  const baseURL = (optionalUrl(kind, 'baseURL', options.baseURL) ?? defaultBaseURL).replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw configError(`${kind}: \`timeoutMs\` must be a positive number of milliseconds`);
  }
  if (options.clock !== undefined && typeof options.clock?.now !== 'function') {
    throw configError(`${kind}: \`clock\` must have a now() method (use systemClock or createManualClock())`);
  }
  return {
    name: optionalString(kind, 'name', options.name) ?? kind,
    baseURL,
    fetch: optionalFunction(kind, 'fetch', options.fetch),
    timeoutMs,
    clock: options.clock ?? systemClock,
    nonce: optionalFunction(kind, 'nonce', options.nonce) ?? uuidNonce,
  };
}

/**
 * Sends with auth-core's `httpRequest`, accepting every status (providers put their error codes
 * in 4xx bodies), and turns transport failures into SMS codes. A timeout or a broken connection
 * after the request left is `SMS_UNKNOWN_OUTCOME` (the provider may have sent the SMS); a connect
 * timeout is `SMS_TIMEOUT` and a refused connection `SMS_PROVIDER_UNAVAILABLE` (certainly not sent).
 */
export async function sendHttp(
  provider: string,
  request: Omit<HttpRequest, 'acceptStatus'>,
  signal?: AbortSignal,
): Promise<HttpResponse> {
  try {
    return await httpRequest({ ...request, signal: signal ?? request.signal, acceptStatus: () => true });
  } catch (error) {
    throw classifyTransportError(provider, error);
  }
}

function classifyTransportError(provider: string, error: unknown): SmsError {
  if (!(error instanceof HttpError)) {
    return new SmsError('SMS_UNKNOWN_OUTCOME', `${provider}: request failed`, {
      provider,
      cause: error,
      mayHaveBeenSent: true,
    });
  }
  switch (error.code) {
    case 'HTTP_CONNECT_FAILED':
      // A connect timeout is a timeout before anything left: safe to fail over, unlike HTTP_TIMEOUT.
      return new SmsError(
        error.networkCode === 'UND_ERR_CONNECT_TIMEOUT' ? 'SMS_TIMEOUT' : 'SMS_PROVIDER_UNAVAILABLE',
        `${provider}: ${error.message}`,
        { provider, cause: error, mayHaveBeenSent: false },
      );
    case 'HTTP_TIMEOUT':
      // The request left and no answer came: the provider may have sent the SMS.
      return new SmsError(
        'SMS_UNKNOWN_OUTCOME',
        `${provider}: ${error.message}; the message may have been sent`,
        { provider, cause: error, status: error.status, mayHaveBeenSent: true },
      );
    case 'HTTP_ABORTED':
      // auth-core says "aborted before it was sent" (mayHaveBeenProcessed false) when the signal was
      // already aborted: then nothing left, and the message must not claim otherwise.
      return new SmsError(
        'SMS_UNKNOWN_OUTCOME',
        `${provider}: ${error.message}${error.mayHaveBeenProcessed ? '; the message may have been sent' : ''}`,
        {
          provider,
          cause: error,
          retryable: false,
          mayHaveBeenSent: error.mayHaveBeenProcessed,
        },
      );
    default:
      return new SmsError(
        error.mayHaveBeenProcessed ? 'SMS_UNKNOWN_OUTCOME' : 'SMS_PROVIDER_UNAVAILABLE',
        `${provider}: ${error.message}${error.mayHaveBeenProcessed ? '; the message may have been sent' : ''}`,
        { provider, cause: error, status: error.status, mayHaveBeenSent: error.mayHaveBeenProcessed },
      );
  }
}

/**
 * Parses a JSON body. Unreadable bodies are classified by status: a 5xx page from a gateway means
 * the provider is down; an unreadable 2xx may hide an accepted message (unknown outcome).
 */
export function parseProviderJson(provider: string, response: HttpResponse): unknown {
  try {
    return JSON.parse(response.text) as unknown;
  } catch (error) {
    throw unreadable(provider, response, error);
  }
}

export function unreadable(provider: string, response: HttpResponse, cause?: unknown): SmsError {
  const status = response.status;
  const options = { provider, cause, status, payload: response.text };
  if (status >= 500) {
    return new SmsError('SMS_PROVIDER_UNAVAILABLE', `${provider}: HTTP ${status}`, {
      ...options,
      mayHaveBeenSent: false,
    });
  }
  if (status === 429) {
    return new SmsError('SMS_RATE_LIMITED', `${provider}: HTTP 429`, { ...options, mayHaveBeenSent: false });
  }
  if (status === 401 || status === 403) {
    return new SmsError('SMS_AUTH_FAILED', `${provider}: HTTP ${status}`, {
      ...options,
      mayHaveBeenSent: false,
    });
  }
  const success = status >= 200 && status < 300;
  return new SmsError(
    'SMS_BAD_RESPONSE',
    `${provider}: unreadable HTTP ${status} response${success ? '; the message may have been sent' : ''}`,
    { ...options, mayHaveBeenSent: success },
  );
}

/** Classifies by HTTP status when the body gives no usable code. */
export function codeForStatus(status: number): SmsErrorCode {
  if (status === 401 || status === 403) return 'SMS_AUTH_FAILED';
  if (status === 429) return 'SMS_RATE_LIMITED';
  if (status >= 500) return 'SMS_PROVIDER_UNAVAILABLE';
  return 'SMS_PROVIDER_ERROR';
}

/**
 * The signed headers minus `host`: the signature covers the host, but fetch sets that header from
 * the URL itself and refuses to be given one.
 */
export function withoutHostHeader(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() !== 'host') out[name] = value;
  return out;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * Builds the provider-reported error. The provider's message goes into `providerMessage` and the
 * error message with any echoed string to sign cut off (it is the request itself, params and all).
 * Numbers and the message's own values are redacted where the request is known: each provider's
 * `send` runs inside `redacting` (internal/redact.ts), and the sender redacts again. Providers do
 * not echo credentials back, and the payload (the answer as received) stays non-enumerable.
 */
export function providerError(
  provider: string,
  code: SmsErrorCode,
  providerCode: string | undefined,
  rawMessage: string | undefined,
  extra: { status?: number; payload?: unknown; mayHaveBeenSent?: boolean } = {},
): SmsError {
  const providerMessage = rawMessage === undefined ? undefined : cutSigningEcho(rawMessage);
  const detail = [providerCode, providerMessage]
    .filter((part) => part !== undefined && part !== '')
    .join(': ');
  return new SmsError(code, `${provider}: ${detail || `HTTP ${extra.status ?? '?'}`}`, {
    provider,
    providerCode,
    providerMessage,
    status: extra.status,
    payload: extra.payload,
    mayHaveBeenSent: extra.mayHaveBeenSent ?? false,
  });
}
