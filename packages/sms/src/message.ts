import type { PhoneNumber } from './phone-number.js';

/** A template parameter value; numbers are sent as their decimal text. */
export type TemplateParamValue = string | number;

/**
 * Template parameters: named (`{ code: '1234' }` for Aliyun `${code}`, Volcengine) or positional
 * (`['1234', '5']` for Tencent `{1}`, Huawei `${1}`). A provider that wants positional params and
 * gets named ones uses the object's own key order (integer-like keys first, ascending, as in JS).
 */
export type TemplateParams = Readonly<Record<string, TemplateParamValue>> | readonly TemplateParamValue[];

/**
 * A template id per recipient region: ISO 3166 region keys (`CN`, `HK`, `US`) or `default`.
 * Aliyun and Tencent need separate templates for mainland China and for the rest of the world:
 * `{ CN: 'SMS_1', default: 'SMS_2' }`.
 */
export type RegionalTemplateId = Readonly<Record<string, string>>;

export interface SmsTemplate {
  /** The template id used by every provider that has no entry in `ids`. */
  id?: string | RegionalTemplateId;
  /** Template ids per provider name (or provider kind, e.g. `aliyun`): `{ aliyun: 'SMS_1', tencent: '1234' }`. */
  ids?: Readonly<Record<string, string | RegionalTemplateId>>;
  params?: TemplateParams;
  /**
   * Text for content-only providers (Twilio, MoceanAPI, Vonage, AWS SNS): `{{name}}` or `{{1}}`
   * placeholders filled from `params`. Lets one message carry both forms so it can fail over
   * between a template provider and a content provider.
   */
  content?: string;
}

/** What the caller asks to send. Give `template`, `content`, or both. */
export interface SmsMessage {
  /** Recipient: `+8613800138000`, `0086…`, or a national number with the sender's `defaultRegion`. */
  to: string | PhoneNumber;
  template?: SmsTemplate;
  /** Plain text for content providers (used when `template.content` is absent). */
  content?: string;
  /** Sign name (签名) for Chinese providers; overrides the provider's configured one. */
  signName?: string;
  /** Sender id / from number; overrides the provider's configured one. */
  from?: string;
  /**
   * Caller reference echoed back in delivery reports where the provider supports it (Aliyun
   * `OutId`, Tencent `SessionContext`, Volcengine `Tag`, Vonage `client-ref`, Twilio `?reference=` on the
   * status callback URL).
   */
  reference?: string;
}

/** A message as a provider receives it: the recipient already parsed and validated. */
export interface SmsRequest extends Omit<SmsMessage, 'to'> {
  to: PhoneNumber;
}

/** Several recipients, one message; providers with a batch API send it in one call. */
export interface SmsBatchRequest extends Omit<SmsMessage, 'to'> {
  to: readonly PhoneNumber[];
}
