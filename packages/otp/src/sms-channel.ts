import type { SmsMessage, SmsSendResult, SmsTemplate, TemplateParams } from '@lingpai/sms';
import { deliveryReference, type VerificationChannel, type VerificationMessage } from './channel.js';
import { OtpError } from './errors.js';

/** How one purpose's SMS is written. */
export interface SmsCodeTemplate {
  /** Template id, or ids per region (`{ CN: 'SMS_1', default: 'SMS_2' }`), as in `@lingpai/sms`. */
  id?: SmsTemplate['id'];
  /** Template ids per provider name or kind. */
  ids?: SmsTemplate['ids'];
  /** Text for content providers, with `{{code}}` and `{{minutes}}` (named) or `{{1}}`, `{{2}}` (positional). */
  content?: string;
  /**
   * Template parameters: `named` (default) gives `{ code, minutes }` (Aliyun `${code}`); `positional`
   * gives `[code, minutes]` (Tencent `{1}`, Huawei); or a function for anything else.
   */
  params?: 'named' | 'positional' | ((message: VerificationMessage) => TemplateParams);
}

/** The part of `SmsSender` this channel uses. */
export interface SmsCodeSender {
  send(message: SmsMessage): Promise<SmsSendResult>;
}

export interface SmsChannelOptions {
  /** An `SmsSender` from `@lingpai/sms` (failover, circuit breakers and all). */
  sender: SmsCodeSender;
  /** Templates by purpose (`sign_in`, `register`, …); `default` is used for any other purpose. */
  templates: Readonly<Record<string, SmsCodeTemplate>>;
  /** Sign name (签名) for Chinese providers, if not configured on the providers. */
  signName?: string;
}

function paramsFor(template: SmsCodeTemplate, message: VerificationMessage): TemplateParams {
  const minutes = String(Math.round(message.expiresInSeconds / 60));
  if (typeof template.params === 'function') return template.params(message);
  if (template.params === 'positional') return [message.code, minutes];
  return { code: message.code, minutes };
}

/**
 * Codes by SMS through `@lingpai/sms`. The message `reference` is `deliveryReference(verificationId)`,
 * so delivery reports can be matched to a verification without the phone number, and the provider
 * never holds the id that, with the code in the text, would complete a `verify`.
 */
export function createSmsChannel(options: SmsChannelOptions): VerificationChannel {
  const templates = options.templates;
  if (Object.keys(templates).length === 0) {
    throw new OtpError('OTP_INVALID_ARGUMENT', 'createSmsChannel needs at least one template');
  }
  return {
    recipientKind: 'phone',
    async deliver(message) {
      const template = Object.hasOwn(templates, message.purpose)
        ? templates[message.purpose]
        : templates.default;
      if (template === undefined) {
        throw new OtpError(
          'OTP_INVALID_ARGUMENT',
          `No SMS template for purpose ${JSON.stringify(message.purpose)}`,
        );
      }
      const smsTemplate: SmsTemplate = { params: paramsFor(template, message) };
      if (template.id !== undefined) smsTemplate.id = template.id;
      if (template.ids !== undefined) smsTemplate.ids = template.ids;
      if (template.content !== undefined) smsTemplate.content = template.content;
      await options.sender.send({
        to: message.recipient.address,
        template: smsTemplate,
        reference: deliveryReference(message.verificationId),
        ...(options.signName === undefined ? {} : { signName: options.signName }),
      });
    },
  };
}
