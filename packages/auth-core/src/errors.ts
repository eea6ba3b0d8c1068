/**
 * Options shared by every lingpai error.
 *
 * `payload` is what the provider sent back (a response body, a parsed error object). It is kept on
 * the error as a non-enumerable property: callers can read it, but `JSON.stringify(error)`, spreads
 * and most loggers never see it, so tokens, phone numbers or secrets echoed by a provider do not
 * leak into logs by accident.
 */
export interface LingpaiErrorOptions {
  cause?: unknown;
  /** Whether repeating the same call later may succeed (network trouble, 429, 5xx). */
  retryable?: boolean;
  /** Raw provider payload; non-enumerable on the error. */
  payload?: unknown;
  /** HTTP status of the response that caused the error, when there was one. */
  status?: number;
}

/**
 * The base class of every error thrown by a lingpai package. `code` is stable across versions:
 * switch on it, never on `message`.
 */
export class LingpaiError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly retryable: boolean;
  readonly status: number | undefined;
  declare readonly payload: unknown;

  constructor(code: Code, message: string, options: LingpaiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.status = options.status;
    Object.defineProperty(this, 'payload', {
      value: options.payload,
      enumerable: false,
      writable: false,
      configurable: true,
    });
    if (options.cause !== undefined) {
      // `cause` is enumerable when set through the constructor in some runtimes; keep it out of logs too.
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false, configurable: true });
    }
  }

  /** A log-safe summary: code, message, retryable, status. Never the payload. */
  toJSON(): { name: string; code: Code; message: string; retryable: boolean; status?: number } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.status === undefined ? {} : { status: this.status }),
    };
  }
}

/** True when `error` is a LingpaiError, optionally with the given code. */
export function isLingpaiError<Code extends string = string>(
  error: unknown,
  code?: Code,
): error is LingpaiError<Code> {
  return error instanceof LingpaiError && (code === undefined || error.code === code);
}
