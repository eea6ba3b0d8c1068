import { LingpaiError, type LingpaiErrorOptions } from '@lingpai/auth-core';

/**
 * Codes thrown while reading a delivery report. Stable across versions: switch on `error.code`.
 * `status` is the HTTP status the receiving route answers with.
 */
export const DELIVERY_REPORT_ERROR_CODES = {
  /**
   * The report's signature is missing, wrong or too old (Twilio `X-Twilio-Signature`, Vonage `sig`
   * or JWT): answer 403, drop it.
   */
  DLR_SIGNATURE_INVALID: { status: 403 },
  /**
   * The caller is not allowed: no or wrong route token, or an address outside `allowIps`. Answered
   * 403 before the body is read.
   */
  DLR_UNAUTHENTICATED: { status: 403 },
  /** The body is not the provider's report format (bad JSON, missing message id): answer 400. */
  DLR_MALFORMED: { status: 400 },
  /** No parser for this provider name. */
  DLR_UNSUPPORTED_PROVIDER: { status: 404 },
  /**
   * Options needed to check the report are missing or malformed (Twilio auth token or public URL,
   * Vonage signature secret, a route without `auth`, a bad `allowIps` entry).
   */
  DLR_CONFIG_INVALID: { status: 500 },
} as const satisfies Record<string, { status: number }>;

export type DeliveryReportErrorCode = keyof typeof DELIVERY_REPORT_ERROR_CODES;

/** A delivery report that cannot be accepted. Never retryable: the same request fails the same way. */
export class DeliveryReportError extends LingpaiError<DeliveryReportErrorCode> {
  constructor(code: DeliveryReportErrorCode, message: string, options: LingpaiErrorOptions = {}) {
    super(code, message, { ...options, retryable: false, status: DELIVERY_REPORT_ERROR_CODES[code].status });
    // Spelled out, as in SmsError: bundlers may rename the class.
    if (new.target === DeliveryReportError) this.name = 'DeliveryReportError';
  }
}
