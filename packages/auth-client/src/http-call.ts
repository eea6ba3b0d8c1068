import { AuthClientError } from './auth-client-error.js';

export interface HttpCall {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs: number;
}

/**
 * One HTTP exchange with CloudBase's error rule: any JSON body with an `error` field is an error,
 * whatever the status. A network failure is `unreachable`, the bound `timeout`, the caller's signal
 * `aborted`; an empty success is `{}`.
 */
export async function httpCall<T>(fetcher: typeof fetch, call: HttpCall): Promise<T> {
  const controller = new AbortController();
  let reason = '';
  const abort = (why: string) => {
    reason ||= why;
    controller.abort();
  };
  const onAbort = () => abort('aborted');
  if (call.signal?.aborted) throw new AuthClientError('aborted', { cause: call.signal.reason });
  call.signal?.addEventListener('abort', onAbort);
  const timer = setTimeout(() => abort('timeout'), call.timeoutMs);
  let status = 0;
  let retryAfter: string | null = null;
  let text: string;
  try {
    const response = await fetcher(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: controller.signal,
    });
    status = response.status;
    retryAfter = response.headers.get('retry-after');
    text = await response.text();
  } catch (cause) {
    throw new AuthClientError(reason || 'unreachable', {
      status,
      description: reason ? `${call.method} ${call.url}` : String((cause as Error)?.message ?? cause),
      cause: reason === 'aborted' ? call.signal?.reason : cause,
    });
  } finally {
    clearTimeout(timer);
    call.signal?.removeEventListener('abort', onAbort);
  }
  let body: unknown = {};
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new AuthClientError(status >= 500 ? 'server_error' : 'invalid_response', {
        status,
        description: `${call.method} ${call.url} answered ${status} without JSON`,
        details: text,
      });
    }
  }
  const fields = (body ?? {}) as { error?: unknown; error_code?: unknown; error_description?: unknown };
  if (fields.error || status >= 400) {
    throw new AuthClientError(typeof fields.error === 'string' ? fields.error : `http_${status}`, {
      status,
      errorCode: typeof fields.error_code === 'number' ? fields.error_code : undefined,
      description: typeof fields.error_description === 'string' ? fields.error_description : undefined,
      retryAfter: retryAfterSeconds(retryAfter),
      details: body,
    });
  }
  return body as T;
}

/**
 * `Retry-After` as seconds. Only the delta-seconds form (what this server and CloudBase send); an
 * HTTP date or anything else is no hint (undefined) — a few bytes of browser bundle saved.
 */
export function retryAfterSeconds(value: string | null): number | undefined {
  const seconds = Number(value?.trim() || Number.NaN);
  return Number.isInteger(seconds) && seconds >= 0 ? seconds : undefined;
}
