import { LingpaiError, type LingpaiErrorOptions } from '@lingpai/auth-core';
import type { SmsAttempt } from './attempt.js';

/**
 * Every error code `@lingpai/sms` throws. Stable across versions: switch on `error.code`.
 *
 * The table says whether the sender fails over to the next provider on that code by default
 * (`failover`) and whether the message may already have reached the provider (`mayHaveBeenSent`).
 */
export const SMS_ERROR_CODES = {
  /** The number is not a valid phone number, or the provider says so. Never fails over. */
  SMS_INVALID_NUMBER: { failover: false },
  /** The template is unknown, unapproved, or its params do not fit it. Never fails over. */
  SMS_TEMPLATE_REJECTED: { failover: false },
  /** The sign name (签名) is missing, unknown or unapproved. Never fails over. */
  SMS_SIGN_REJECTED: { failover: false },
  /** The content was refused (empty, too long, bad characters, inappropriate). Never fails over. */
  SMS_CONTENT_REJECTED: { failover: false },
  /** The recipient is blacklisted, opted out or not whitelisted. Never fails over. */
  SMS_RECIPIENT_BLOCKED: { failover: false },
  /** The provider's flow control (per second, per number per hour/day). Fails over. */
  SMS_RATE_LIMITED: { failover: true },
  /** Balance or package exhausted, daily account cap reached. Fails over. */
  SMS_QUOTA_EXHAUSTED: { failover: true },
  /** Credentials rejected (bad key, bad signature, clock skew, IP not allowed). Fails over. */
  SMS_AUTH_FAILED: { failover: true },
  /** 5xx, maintenance, connection refused: the provider did not take the message. Fails over. */
  SMS_PROVIDER_UNAVAILABLE: { failover: true },
  /** The provider refused the message with a code this package does not classify. Fails over. */
  SMS_PROVIDER_ERROR: { failover: true },
  /** This provider cannot send this message (no template id for it or its region, no content). Fails over. */
  SMS_UNSUPPORTED_MESSAGE: { failover: true },
  /**
   * Timed out before anything was sent (TCP connect timeout, SMPP bind not completed in time):
   * certainly not sent. Fails over.
   */
  SMS_TIMEOUT: { failover: true },
  /**
   * The request left (or may have left) and no answer came: a timeout or a broken connection after
   * sending, an unanswered `submit_sm`. It may have been delivered (`mayHaveBeenSent`), so the
   * sender fails over only with `resendOnUnknownOutcome`.
   */
  SMS_UNKNOWN_OUTCOME: { failover: true },
  /** A response that cannot be read (malformed JSON, unexpected shape). */
  SMS_BAD_RESPONSE: { failover: true },
  /** The provider's circuit breaker is open; it was skipped without a request. */
  SMS_CIRCUIT_OPEN: { failover: true },
  /** The routing strategy chose no provider for this recipient. */
  SMS_NO_ROUTE: { failover: false },
  /** Every provider tried failed or was skipped; `attempts` says why for each one. */
  SMS_ALL_PROVIDERS_FAILED: { failover: false },
  /** Options or credentials are missing or malformed (thrown when a provider or sender is built). */
  SMS_CONFIG_INVALID: { failover: false },
} as const satisfies Record<string, { failover: boolean }>;

export type SmsErrorCode = keyof typeof SMS_ERROR_CODES;

export interface SmsErrorOptions extends LingpaiErrorOptions {
  /** Provider instance name the error came from, when one did. */
  provider?: string;
  /** The provider's own error code (`isv.BUSINESS_LIMIT_CONTROL`, `21211`, `E000510`), as text. */
  providerCode?: string;
  /** The provider's own error message (never contains credentials: providers do not echo them). */
  providerMessage?: string;
  /**
   * True when the provider may already have accepted the message (timeout or connection loss after
   * sending, unreadable success response). The sender does not re-send such a message elsewhere
   * unless `resendOnUnknownOutcome` is set. Default false.
   */
  mayHaveBeenSent?: boolean;
  /** Per-attempt record, filled by the sender. */
  attempts?: readonly SmsAttempt[];
}

/**
 * The one error class of `@lingpai/sms`. `retryable` means "another try, here or at another
 * provider, may succeed"; the sender fails over only when it is true and the message was certainly
 * not sent (or the caller opted into re-sending on an unknown outcome).
 */
export class SmsError extends LingpaiError<SmsErrorCode> {
  readonly provider: string | undefined;
  readonly providerCode: string | undefined;
  readonly providerMessage: string | undefined;
  readonly mayHaveBeenSent: boolean;
  /** Every attempt the sender made for this message, in order. Empty when thrown by a provider directly. */
  readonly attempts: readonly SmsAttempt[];

  constructor(code: SmsErrorCode, message: string, options: SmsErrorOptions = {}) {
    super(code, message, { ...options, retryable: options.retryable ?? SMS_ERROR_CODES[code].failover });
    // Spelled out: a bundler renames a class that refers to itself (esbuild emitted `_SmsError`),
    // and `new.target.name` would follow. Subclasses keep their own name.
    if (new.target === SmsError) this.name = 'SmsError';
    this.provider = options.provider;
    this.providerCode = options.providerCode;
    this.providerMessage = options.providerMessage;
    this.mayHaveBeenSent = options.mayHaveBeenSent ?? false;
    this.attempts = options.attempts ?? [];
  }

  /** A copy of this error with the sender's attempt record attached. */
  withAttempts(attempts: readonly SmsAttempt[]): SmsError {
    const copy = new SmsError(this.code, this.message, {
      cause: this.cause,
      retryable: this.retryable,
      payload: this.payload,
      status: this.status,
      provider: this.provider,
      providerCode: this.providerCode,
      providerMessage: this.providerMessage,
      mayHaveBeenSent: this.mayHaveBeenSent,
      attempts,
    });
    copy.stack = this.stack;
    return copy;
  }

  /** Log-safe: code, message, provider codes and the attempts, never payloads or causes. */
  override toJSON(): ReturnType<LingpaiError<SmsErrorCode>['toJSON']> & {
    provider?: string;
    providerCode?: string;
    providerMessage?: string;
    mayHaveBeenSent: boolean;
    attempts?: readonly SmsAttempt[];
  } {
    return {
      ...super.toJSON(),
      ...(this.provider === undefined ? {} : { provider: this.provider }),
      ...(this.providerCode === undefined ? {} : { providerCode: this.providerCode }),
      ...(this.providerMessage === undefined ? {} : { providerMessage: this.providerMessage }),
      mayHaveBeenSent: this.mayHaveBeenSent,
      ...(this.attempts.length === 0 ? {} : { attempts: this.attempts }),
    };
  }
}

/**
 * A copy of `error` whose `message`, `providerMessage` and stack went through `rewrite` (redaction),
 * with `attempts` replaced. Internal: the public way to change an error is to build a new one.
 */
export function rewriteSmsError(
  error: SmsError,
  rewrite: (text: string) => string,
  attempts: readonly SmsAttempt[] = error.attempts,
): SmsError {
  const message = rewrite(error.message);
  const copy = new SmsError(error.code, message, {
    cause: error.cause,
    retryable: error.retryable,
    payload: error.payload,
    status: error.status,
    provider: error.provider,
    providerCode: error.providerCode,
    providerMessage: error.providerMessage === undefined ? undefined : rewrite(error.providerMessage),
    mayHaveBeenSent: error.mayHaveBeenSent,
    attempts,
  });
  const stack = error.stack;
  if (stack !== undefined) {
    // The stack opens with "SmsError: <message>"; swap that header, and rewrite the rest as well
    // in case a subclass or a caller put the message elsewhere in it.
    const header = `${error.name}: ${error.message}`;
    copy.stack = stack.startsWith(header)
      ? `${copy.name}: ${message}${rewrite(stack.slice(header.length))}`
      : rewrite(stack);
  }
  return copy;
}

export function isSmsError(error: unknown, code?: SmsErrorCode): error is SmsError {
  return error instanceof SmsError && (code === undefined || error.code === code);
}
