import type { SmsBatchRequest, SmsRequest } from './message.js';
import type { SmsError } from './sms-error.js';

/** Where a send stands when the provider answers. */
export type SmsSendStatus =
  /** The provider took the message; delivery is reported later (delivery reports). */
  | 'accepted'
  /** The provider already says it went out or arrived (rare on a send call). */
  | 'sent';

/** Per-call context the sender passes to a provider. */
export interface SmsSendContext {
  /** Aborts the HTTP request; a caller abort is reported as `SMS_UNKNOWN_OUTCOME` if the request went out. */
  signal?: AbortSignal;
  /** 1-based attempt number across providers for this message. */
  attempt?: number;
}

/**
 * A provider's answer to one accepted message. `raw` (the provider's parsed response) is
 * non-enumerable: readable, but absent from `JSON.stringify`, spreads and logs.
 */
export interface SmsProviderResult {
  provider: string;
  /** The provider's id for the message (Aliyun BizId, Tencent SerialNo, Twilio sid…); delivery reports refer to it. */
  messageId: string;
  /** Recipient in E.164. */
  to: string;
  status: SmsSendStatus;
  /** Billed units when the provider says (segments, fee). */
  segments?: number;
  readonly raw: unknown;
}

/** One recipient's outcome inside a batch. */
export type SmsBatchItem =
  | { to: string; ok: true; result: SmsProviderResult }
  | { to: string; ok: false; error: SmsError };

export interface SmsBatchProviderResult {
  provider: string;
  /** One entry per recipient, in request order. */
  items: SmsBatchItem[];
  readonly raw: unknown;
}

/** Provider families shipped with this package; custom providers may use any other string. */
export type SmsProviderKind =
  | 'aliyun'
  | 'tencent'
  | 'twilio'
  | 'mocean'
  | 'huawei'
  | 'volcengine'
  | 'vonage'
  | 'aws-sns'
  | 'smpp'
  | 'console'
  | 'memory'
  | (string & {});

/** Which message forms a provider can send. */
export interface SmsProviderCapabilities {
  /** Sends by template id + params. */
  template: boolean;
  /** Sends free text. */
  content: boolean;
  /** Most recipients one `sendBatch` call takes; absent when there is no batch API. */
  maxBatchSize?: number;
}

/**
 * One SMS provider account. Implementations never retry and never fail over: they send once and
 * either return a result or throw a classified `SmsError`. Routing, failover and circuit breaking
 * live in `SmsSender`.
 */
export interface SmsProvider {
  /** Instance name, unique within a sender (`aliyun`, `aliyun-intl`); used in attempts and template `ids`. */
  readonly name: string;
  /** Provider family (`aliyun`); template `ids` fall back to it when there is no entry for `name`. */
  readonly kind: SmsProviderKind;
  readonly capabilities: SmsProviderCapabilities;
  send(request: SmsRequest, context?: SmsSendContext): Promise<SmsProviderResult>;
  /** Several recipients in one provider call (Aliyun SendBatchSms, Tencent multi-number SendSms). */
  sendBatch?(request: SmsBatchRequest, context?: SmsSendContext): Promise<SmsBatchProviderResult>;
  /** Releases connections (SMPP sessions). */
  close?(): Promise<void>;
}
