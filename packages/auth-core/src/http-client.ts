import { LingpaiError, type LingpaiErrorOptions } from './errors.js';

/** The `fetch` signature lingpai clients accept; pass your own to add proxies, logging or a fake. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export type HttpErrorCode =
  /** The connection was never established (refused, DNS failure): the request was certainly not sent. */
  | 'HTTP_CONNECT_FAILED'
  /** The connection broke after it was established: the server may or may not have acted. */
  | 'HTTP_NETWORK'
  /** No complete response within the timeout: the server may or may not have acted. */
  | 'HTTP_TIMEOUT'
  /** The caller aborted the request. */
  | 'HTTP_ABORTED'
  /** A non-2xx status (only when `acceptStatus` does not accept it). */
  | 'HTTP_STATUS'
  /** The body could not be parsed as expected (malformed JSON, wrong content). */
  | 'HTTP_BAD_RESPONSE';

export interface HttpErrorOptions extends LingpaiErrorOptions {
  /** Whether the request may have reached the server: false only when it certainly did not. */
  mayHaveBeenProcessed?: boolean;
  /** The socket or undici error code behind a network failure (`ECONNREFUSED`, `UND_ERR_CONNECT_TIMEOUT`). */
  networkCode?: string;
}

export class HttpError extends LingpaiError<HttpErrorCode> {
  /** False only when the request certainly never reached the server (safe to send elsewhere). */
  readonly mayHaveBeenProcessed: boolean;
  /**
   * The socket or undici error code found while classifying a network failure (`ECONNREFUSED`,
   * `ECONNRESET`, `UND_ERR_CONNECT_TIMEOUT`), when there was one. Lets callers tell a connect
   * timeout (nothing sent) from other connect failures without digging through `cause`.
   */
  readonly networkCode: string | undefined;

  constructor(code: HttpErrorCode, message: string, options: HttpErrorOptions = {}) {
    super(code, message, options);
    this.mayHaveBeenProcessed = options.mayHaveBeenProcessed ?? code !== 'HTTP_CONNECT_FAILED';
    this.networkCode = options.networkCode;
  }
}

/** Statuses worth retrying: 408 timeout, 409 conflict, 425 too early, 429 rate limited, and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

export interface HttpRequest {
  url: string | URL;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | URLSearchParams;
  /** Milliseconds until the request is abandoned with `HTTP_TIMEOUT`. Default 10,000. */
  timeoutMs?: number;
  signal?: AbortSignal;
  fetch?: FetchLike;
  /**
   * Which statuses count as a response to return rather than an `HTTP_STATUS` error. Many platforms
   * put their error codes in 4xx bodies, so clients usually accept every status and read the body.
   * Default: 2xx only.
   */
  acceptStatus?: (status: number) => boolean;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
}

const CONNECT_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function networkErrorCode(error: unknown): string | undefined {
  // undici wraps the socket error: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }).
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Sends one HTTP request with a timeout and classifies every failure into an `HttpError`.
 * Never retries: retry policy belongs to the caller, who knows whether the call is idempotent.
 */
export async function httpRequest(request: HttpRequest): Promise<HttpResponse> {
  const timeoutMs = request.timeoutMs ?? 10_000;
  const doFetch = request.fetch ?? globalThis.fetch;
  const method = request.method ?? 'GET';
  // Parsed before any timer or listener exists: an invalid URL throws here and leaves nothing behind.
  const host = new URL(request.url).host;
  if (request.signal?.aborted === true) {
    // Aborted before anything was sent: callers (SMS failover) may safely treat it as never sent.
    throw new HttpError(
      'HTTP_ABORTED',
      `${method} ${host} was aborted before it was sent; nothing reached the server`,
      {
        cause: request.signal.reason,
        retryable: false,
        mayHaveBeenProcessed: false,
      },
    );
  }
  // A plain timer rather than AbortSignal.timeout(): that one allocates a timer the runtime keeps
  // until it fires, which showed up as most of the client-side cost in the SMS bench.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const callerSignal = request.signal;
  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    let response: Response;
    try {
      response = await doFetch(request.url, {
        method,
        headers: request.headers,
        body: request.body as RequestInit['body'],
        signal: controller.signal,
      });
    } catch (error) {
      throw classifyFetchError(error, {
        host,
        method,
        timeoutMs,
        timedOut,
        aborted: callerSignal?.aborted === true,
      });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      // The caller gave up while the body streamed in: the server has answered, so this is an
      // abort of a processed request, not a network failure to retry.
      if (callerSignal?.aborted === true && !timedOut) {
        throw new HttpError(
          'HTTP_ABORTED',
          `${method} ${host} was aborted while reading the body; the server processed it (HTTP ${response.status})`,
          { cause: error, retryable: false, status: response.status },
        );
      }
      if (timedOut) {
        throw new HttpError(
          'HTTP_TIMEOUT',
          `${method} ${host} timed out after ${timeoutMs} ms reading the body`,
          { cause: error, retryable: true, status: response.status },
        );
      }
      const networkCode = networkErrorCode(error);
      throw new HttpError('HTTP_NETWORK', `${method} ${host}: connection lost while reading the body`, {
        cause: error,
        retryable: true,
        status: response.status,
        networkCode,
      });
    }
    return checkStatus(request, method, host, { status: response.status, headers: response.headers, text });
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onCallerAbort);
  }
}

function checkStatus(
  request: HttpRequest,
  method: string,
  host: string,
  response: HttpResponse,
): HttpResponse {
  const accept = request.acceptStatus ?? ((status: number) => status >= 200 && status < 300);
  if (!accept(response.status)) {
    throw new HttpError('HTTP_STATUS', `${method} ${host} answered HTTP ${response.status}`, {
      status: response.status,
      retryable: isRetryableStatus(response.status),
      payload: response.text,
    });
  }
  return response;
}

function classifyFetchError(
  error: unknown,
  context: { host: string; method: string; timeoutMs: number; timedOut: boolean; aborted: boolean },
): HttpError {
  const { host, method } = context;
  if (context.timedOut) {
    return new HttpError('HTTP_TIMEOUT', `${method} ${host} timed out after ${context.timeoutMs} ms`, {
      cause: error,
      retryable: true,
    });
  }
  if (context.aborted) {
    return new HttpError(
      'HTTP_ABORTED',
      `${method} ${host} was aborted while in flight; the server may have processed it`,
      { cause: error, retryable: false },
    );
  }
  const code = networkErrorCode(error);
  if (code !== undefined && CONNECT_ERROR_CODES.has(code)) {
    return new HttpError('HTTP_CONNECT_FAILED', `${method} ${host}: could not connect (${code})`, {
      cause: error,
      retryable: true,
      mayHaveBeenProcessed: false,
      networkCode: code,
    });
  }
  return new HttpError('HTTP_NETWORK', `${method} ${host}: network error${code ? ` (${code})` : ''}`, {
    cause: error,
    retryable: true,
    networkCode: code,
  });
}

/** Parses a JSON body, turning malformed JSON into `HTTP_BAD_RESPONSE` with the text kept as payload. */
export function parseJsonBody(response: HttpResponse): unknown {
  try {
    return JSON.parse(response.text) as unknown;
  } catch (error) {
    throw new HttpError('HTTP_BAD_RESPONSE', `Expected a JSON body, got ${describeBody(response.text)}`, {
      cause: error,
      status: response.status,
      retryable: false,
      payload: response.text,
    });
  }
}

/** `httpRequest` then `parseJsonBody`. */
export async function requestJson(
  request: HttpRequest,
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await httpRequest(request);
  return { status: response.status, headers: response.headers, body: parseJsonBody(response) };
}

// Only the size: the text may be a cut-off token response or echo a phone number, and messages reach
// logs. The text itself stays on the non-enumerable `payload`.
function describeBody(text: string): string {
  if (text.length === 0) return 'an empty body';
  return `${text.length} characters that do not parse`;
}
