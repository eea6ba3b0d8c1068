/**
 * Every failure of the client, whatever its origin: the server's refusal (`error` is the server's
 * code, e.g. `invalid_grant`, with CloudBase's numeric `error_code` as `errorCode`), or one of the
 * client's own codes — `unreachable` (the network failed), `timeout`, `aborted` (the caller's
 * signal), `unauthenticated` (no credentials, or the session ended), `invalid_response` (an answer
 * that is not JSON). Apps switch on `error`; `status` is the HTTP status, 0 when there was none.
 */
export class AuthClientError extends Error {
  /** The server's `error` code, or the client's own (see the class description). */
  readonly error: string;
  /** CloudBase's `error_code`, when the server sent one. */
  readonly errorCode?: number;
  /** HTTP status; 0 when no answer arrived. */
  readonly status: number;
  /** The server's `error_description`, when it sent one. */
  readonly description?: string;
  /** Seconds to wait before trying again, from the answer's `Retry-After` (429, 503). */
  readonly retryAfter?: number;
  /** The whole answer body (non-enumerable: logging the error does not print it). */
  declare readonly details?: unknown;

  constructor(
    error: string,
    init: {
      status?: number;
      errorCode?: number;
      description?: string;
      retryAfter?: number;
      details?: unknown;
      cause?: unknown;
    } = {},
  ) {
    super(init.description ? `${error}: ${init.description}` : error, { cause: init.cause });
    this.name = 'AuthClientError';
    this.error = error;
    this.status = init.status ?? 0;
    if (init.errorCode !== undefined) this.errorCode = init.errorCode;
    if (init.description !== undefined) this.description = init.description;
    if (init.retryAfter !== undefined) this.retryAfter = init.retryAfter;
    Object.defineProperty(this, 'details', { value: init.details, enumerable: false });
  }
}

/** Failures after which the same request may succeed later: the network, the server's load. */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof AuthClientError &&
    (error.status >= 500 ||
      error.status === 429 ||
      ['unreachable', 'timeout', 'invalid_response', 'temporarily_unavailable'].includes(error.error))
  );
}
