export type { SmsAttempt, SmsAttemptOutcome } from './attempt.js';
export { attachRaw } from './attempt.js';
export type { CircuitBreakerOptions, CircuitState } from './circuit-breaker.js';
export { CircuitBreaker, DEFAULT_COOLDOWN_MS, DEFAULT_FAILURE_THRESHOLD } from './circuit-breaker.js';
export type { DeliveryReport, DeliveryStatus } from './delivery-report.js';
export { isFinalDeliveryStatus } from './delivery-report.js';
export type { HttpProviderOptions } from './internal/http.js';
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
export { normalizeRegion, PhoneNumber, parsePhoneNumber } from './phone-number.js';
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
export type { AliyunSmsOptions } from './providers/aliyun.js';
export { ALIYUN_BASE_URL, ALIYUN_INTL_BASE_URL, createAliyunProvider } from './providers/aliyun.js';
export type { AwsSnsSmsOptions } from './providers/aws-sns.js';
export { createAwsSnsProvider } from './providers/aws-sns.js';
export type { ConsoleProviderOptions } from './providers/console.js';
export { createConsoleProvider } from './providers/console.js';
export type { HuaweiSmsOptions } from './providers/huawei.js';
export { createHuaweiProvider, HUAWEI_BASE_URL } from './providers/huawei.js';
export type { CapturedSms, MemoryProviderOptions } from './providers/memory.js';
export { createMemoryProvider, MemorySmsProvider } from './providers/memory.js';
export type { MoceanSmsOptions } from './providers/mocean.js';
export { createMoceanProvider, MOCEAN_BASE_URL } from './providers/mocean.js';
export type { TencentSmsOptions } from './providers/tencent.js';
export { createTencentProvider, TENCENT_BASE_URL } from './providers/tencent.js';
export type { TwilioSmsOptions } from './providers/twilio.js';
export { createTwilioProvider, TWILIO_BASE_URL } from './providers/twilio.js';
export type { VolcengineSmsOptions } from './providers/volcengine.js';
export { BYTEPLUS_BASE_URL, createVolcengineProvider, VOLCENGINE_BASE_URL } from './providers/volcengine.js';
export type { VonageSmsOptions } from './providers/vonage.js';
export { createVonageProvider, VONAGE_BASE_URL } from './providers/vonage.js';
export type {
  SmsBatchOptions,
  SmsBatchResult,
  SmsBatchResultItem,
  SmsSenderOptions,
  SmsSendOptions,
  SmsSendResult,
} from './sender.js';
export { SmsSender } from './sender.js';
export type { SmsErrorCode, SmsErrorOptions } from './sms-error.js';
export { isSmsError, SMS_ERROR_CODES, SmsError } from './sms-error.js';
export type { CountryRoutingOptions, SmsStrategy, SmsStrategyName } from './strategies.js';
export {
  countryStrategy,
  orderedStrategy,
  randomStrategy,
  roundRobinStrategy,
  strategyByName,
  weightedRoundRobinStrategy,
} from './strategies.js';
export {
  namedParams,
  positionalParams,
  renderContent,
  requireTemplateId,
  resolveContent,
  resolveTemplateId,
} from './template.js';
export type { DeliveryReportErrorCode } from './delivery-reports/errors.js';
export { DELIVERY_REPORT_ERROR_CODES, DeliveryReportError } from './delivery-reports/errors.js';
export type {
  DeliveryReportProvider,
  ParseDeliveryReportOptions,
} from './delivery-reports/parse-delivery-report.js';
export { DELIVERY_REPORT_PROVIDERS, parseDeliveryReport } from './delivery-reports/parse-delivery-report.js';
export type {
  DeliveryReportRequest,
  DeliveryReportResponse,
  ParsedDeliveryReports,
} from './delivery-reports/report-request.js';
export type {
  DeliveryReportRouteOptions,
  RouteAppLike,
  RouteReplyLike,
  RouteRequestLike,
} from './delivery-reports/route.js';
export { deliveryReportRoute } from './delivery-reports/route.js';
export type { SmppReceipt } from './delivery-reports/smpp.js';
export { parseSmppReceipt, smppReceiptToReport } from './delivery-reports/smpp.js';
export type { TwilioReportOptions } from './delivery-reports/twilio.js';
export type {
  DeliveryReportAuth,
  DeliveryReportAuthenticator,
} from './delivery-reports/authenticate.js';
export { createDeliveryReportAuthenticator } from './delivery-reports/authenticate.js';
export type { VonageReportOptions, VonageSignatureMethod } from './delivery-reports/vonage-signature.js';
export { computeVonageSignature } from './delivery-reports/vonage-signature.js';
export { ALIYUN_REPORT_RESPONSE } from './delivery-reports/aliyun.js';
export { TENCENT_REPORT_RESPONSE } from './delivery-reports/tencent.js';
export type { EncodedMessage, SmppEncoding } from './providers/smpp-encoding.js';
export { encodeSmsText, isGsmEncodable } from './providers/smpp-encoding.js';
