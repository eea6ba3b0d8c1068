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

function configError(message: string): OtpError {
  return new OtpError('OTP_INVALID_ARGUMENT', `createSmsChannel: ${message}`);
}

const PARAM_STYLES = new Set(['named', 'positional']);

/** Checks the options at construction: a missing sender or template fails at startup, by name. */
function checkOptions(options: SmsChannelOptions | undefined): asserts options is SmsChannelOptions {
  if (options === undefined || options === null || typeof options !== 'object') {
    throw configError(
      "needs options: { sender: new SmsSender({ providers }), templates: { default: { id: 'SMS_123' } } }",
    );
  }
  const { sender, templates, signName } = options;
  if (sender === undefined || sender === null || typeof sender.send !== 'function') {
    throw configError(
      `\`sender\` is ${sender === undefined || sender === null ? String(sender) : 'not an SmsSender (no send())'} — pass new SmsSender({ providers }) from @lingpai/sms`,
    );
  }
  if (templates === undefined || templates === null || typeof templates !== 'object') {
    throw configError(
      `\`templates\` is ${String(templates)} — e.g. { default: { id: 'SMS_123' } }, by purpose`,
    );
  }
  const purposes = Object.keys(templates);
  if (purposes.length === 0) throw configError('`templates` is empty; add at least `default`');
  for (const purpose of purposes) {
    const template = templates[purpose] as SmsCodeTemplate | undefined;
    if (template === undefined || template === null || typeof template !== 'object') {
      throw configError(
        `\`templates.${purpose}\` is ${String(template)}; give it an \`id\`, \`ids\` or \`content\``,
      );
    }
    if (template.id === undefined && template.ids === undefined && template.content === undefined) {
      throw configError(
        `\`templates.${purpose}\` has no \`id\`, \`ids\` or \`content\` — is its template id variable set?`,
      );
    }
    const params = template.params;
    if (params !== undefined && typeof params !== 'function' && !PARAM_STYLES.has(params)) {
      throw configError(
        `\`templates.${purpose}.params\` must be 'named', 'positional' or a function, got ${JSON.stringify(params)}`,
      );
    }
  }
  if (signName !== undefined && (typeof signName !== 'string' || signName === '')) {
    throw configError('`signName` must be a non-empty string when given');
  }
}

/**
 * Codes by SMS through `@lingpai/sms`. The message `reference` is `deliveryReference(verificationId)`,
 * so delivery reports can be matched to a verification without the phone number, and the provider
 * never holds the id that, with the code in the text, would complete a `verify`.
 */
export function createSmsChannel(options: SmsChannelOptions): VerificationChannel {
  checkOptions(options);
  const templates = options.templates;
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
