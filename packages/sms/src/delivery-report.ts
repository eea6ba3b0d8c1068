/**
 * Normalized delivery status.
 * - `accepted`: the provider or carrier queued it (intermediate).
 * - `sent`: handed to the carrier, no final answer yet (intermediate).
 * - `delivered`: the handset received it (final).
 * - `failed`: rejected or undeliverable (final).
 * - `expired`: validity period ran out before delivery (final).
 * - `unknown`: the provider's status could not be mapped.
 */
export type DeliveryStatus = 'accepted' | 'sent' | 'delivered' | 'failed' | 'expired' | 'unknown';

/** True for statuses that will not change again. */
export function isFinalDeliveryStatus(status: DeliveryStatus): boolean {
  return status === 'delivered' || status === 'failed' || status === 'expired';
}

/**
 * One delivery report (DLR), normalized across providers. `raw` is the provider's own record and
 * is non-enumerable, so a logged report carries no more than these fields.
 */
export interface DeliveryReport {
  /** Provider kind or instance name that sent the report (`aliyun`, `twilio`). */
  provider: string;
  /** The provider's message id, as returned by the send call (`SmsProviderResult.messageId`). */
  messageId: string;
  /** Recipient in E.164 when the report carries it. */
  to?: string;
  status: DeliveryStatus;
  /** The provider's own status text (`DELIVERED`, `SUCCESS`, `undelivered`, `2`). */
  providerStatus: string;
  /** The provider or carrier error code on failure (`MK:0001`, `30003`). */
  errorCode?: string;
  errorMessage?: string;
  /** When the final status was reached, if reported. */
  doneAt?: Date;
  /** Caller reference echoed back (Aliyun `out_id`, Tencent session context, Vonage `client-ref`). */
  reference?: string;
  readonly raw: unknown;
}
