import type { SmsError } from './sms-error.js';

/** What happened to one provider for one message. */
export type SmsAttemptOutcome = 'accepted' | 'failed' | 'skipped';

/**
 * One provider's part in sending one message: who, how long, and why it failed. Every sender
 * result and every sender error carries the full list, so "all providers failed" says why for each.
 * `raw` (the provider's response) is non-enumerable: readable, but never in `JSON.stringify` or logs.
 */
export interface SmsAttempt {
  provider: string;
  outcome: SmsAttemptOutcome;
  /** Clock time the attempt started, epoch milliseconds. */
  startedAt: number;
  durationMs: number;
  /** The provider's message id when accepted. */
  messageId?: string;
  /** The classified error when failed or skipped. */
  error?: SmsError;
  /** The provider's raw response; non-enumerable. */
  readonly raw?: unknown;
}

/** Sets `raw` as a non-enumerable property so payloads never reach logs by accident. */
export function attachRaw<T extends object>(target: T, raw: unknown): T & { readonly raw: unknown } {
  Object.defineProperty(target, 'raw', {
    value: raw,
    enumerable: false,
    writable: false,
    configurable: true,
  });
  return target as T & { readonly raw: unknown };
}
