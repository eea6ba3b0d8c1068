// Model.

export type { SmsAttempt, SmsAttemptOutcome } from './attempt.js';
export { attachRaw } from './attempt.js';
export type { DeliveryReport, DeliveryStatus } from './delivery-report.js';
export { isFinalDeliveryStatus } from './delivery-report.js';
export type {
  RegionalTemplateId,
  SmsBatchRequest,
  SmsMessage,
  SmsRequest,
  SmsTemplate,
  TemplateParams,
  TemplateParamValue,
} from './message.js';
export type { ParsePhoneNumberOptions, PhoneNumberFormat } from './phone-number.js';
export { PhoneNumber, parsePhoneNumber } from './phone-number.js';
export type {
  SmsBatchItem,
  SmsBatchProviderResult,
  SmsProvider,
  SmsProviderCapabilities,
  SmsProviderKind,
  SmsProviderResult,
  SmsSendContext,
  SmsSendStatus,
} from './provider.js';
export type { SmsErrorCode, SmsErrorOptions } from './sms-error.js';
export { isSmsError, SMS_ERROR_CODES, SmsError } from './sms-error.js';
