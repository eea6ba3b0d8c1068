import {
  type Clock,
  type FetchLike,
  httpRequest,
  type RandomBytes,
  secureRandomBytes,
  systemClock,
} from '@lingpai/auth-core';
import { OAuthError } from '../errors.js';
import { asObject, type JsonObject } from './fields.js';

/** Options every provider and app-token client accepts. */
export interface TransportOptions {
  /** Replaces every `https://<host>` of the platform (e.g. the sandbox's `${url}/wechat`). */
  baseURL?: string;
  fetch?: FetchLike;
  /** Per-request timeout in milliseconds. Default 10,000. */
  timeoutMs?: number;
  clock?: Clock;
  randomBytes?: RandomBytes;
}

export interface Transport {
  readonly fetch: FetchLike | undefined;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly randomBytes: RandomBytes;
}

export function createTransport(options: TransportOptions): Transport {
  return {
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? 10_000,
    clock: options.clock ?? systemClock,
    randomBytes: options.randomBytes ?? secureRandomBytes,
  };
}

export interface PlatformRequest {
  provider: string;
  url: string | URL;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  /** A JSON body (sent as application/json) or form fields (application/x-www-form-urlencoded). */
  json?: unknown;
  form?: Record<string, string>;
  signal?: AbortSignal;
}

export interface PlatformResponse {
  status: number;
  body: JsonObject;
  text: string;
}

export interface RawPlatformResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON, or `undefined` when the body is not JSON. */
  json: unknown;
}

/** Sends one request, accepting every HTTP status, and parses JSON when it can. */
export async function sendPlatformRequest(
  transport: Transport,
  request: PlatformRequest,
): Promise<RawPlatformResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  let body: string | undefined;
  if (request.json !== undefined) {
    headers['content-type'] = 'application/json; charset=utf-8';
    body = JSON.stringify(request.json);
  } else if (request.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
    body = new URLSearchParams(request.form).toString();
  }
  const response = await httpRequest({
    url: request.url,
    method: request.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined ? {} : { body }),
    timeoutMs: transport.timeoutMs,
    ...(transport.fetch === undefined ? {} : { fetch: transport.fetch }),
    ...(request.signal === undefined ? {} : { signal: request.signal }),
    acceptStatus: () => true,
  });
  let json: unknown;
  try {
    json = JSON.parse(response.text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text: response.text, json };
}

/** The error for a body that is not what the platform documents. */
export function unexpectedBody(provider: string, response: { status: number; text: string }): OAuthError {
  const status = response.status;
  const serverSide = status >= 500 || status === 429;
  return new OAuthError(
    status === 429 ? 'OAUTH_RATE_LIMITED' : serverSide ? 'OAUTH_PLATFORM_ERROR' : 'OAUTH_BAD_RESPONSE',
    `${provider}: expected a JSON object, got HTTP ${status} with ${response.text.length} bytes`,
    { provider, status, retryable: serverSide, payload: response.text },
  );
}

/**
 * Sends one request and returns the parsed JSON object whatever the HTTP status: most of these
 * platforms put their errors in the body (often with HTTP 200), so each provider decides.
 * Network failures surface as auth-core `HttpError`s; a body that is not a JSON object becomes
 * `OAUTH_PLATFORM_ERROR` (retryable) on 5xx and `OAUTH_BAD_RESPONSE` otherwise.
 */
export async function platformRequest(
  transport: Transport,
  request: PlatformRequest,
): Promise<PlatformResponse> {
  const response = await sendPlatformRequest(transport, request);
  const object = asObject(response.json);
  if (object === undefined) throw unexpectedBody(request.provider, response);
  return { status: response.status, body: object, text: response.text };
}

/** Appends query parameters in the given order (some platforms, WeChat included, care about order). */
export function withQuery(base: string, params: Record<string, string | undefined>): URL {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.append(key, value);
  }
  return url;
}
