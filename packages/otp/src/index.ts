export type { Base32EncodeOptions } from './base32.js';
export { base32Decode, base32Encode, normalizeBase32 } from './base32.js';
export type { VerificationChannel, VerificationMessage } from './channel.js';
export { deliveryReference } from './channel.js';
export type { CodeAlphabet } from './code-generator.js';
export {
  CODE_ALPHABETS,
  generateCode,
  MAX_CODE_LENGTH,
  MIN_CODE_LENGTH,
  normalizeCodeInput,
} from './code-generator.js';
export type { OtpErrorCode, OtpErrorDetails, OtpErrorOptions } from './errors.js';
export { isOtpError, OTP_ERROR_CODES, OtpError } from './errors.js';
export type {
  HotpGenerateOptions,
  HotpOptions,
  HotpVerifyOptions,
  HotpVerifyResult,
  OtpAlgorithm,
} from './hotp.js';
export { hotp, verifyHotp } from './hotp.js';
export { ipRateLimitKey } from './ip-address.js';
export type { MemoryOtpStoreOptions } from './memory-otp-store.js';
export { MemoryOtpStore } from './memory-otp-store.js';
export type {
  AttemptInput,
  AttemptResult,
  CancelVerificationInput,
  CreateVerificationInput,
  CreateVerificationResult,
  OtpRecord,
  OtpStore,
  SendLimit,
  TokenEntry,
} from './otp-store.js';
export type { OtpAuthParams, ParsedOtpAuth, ParseOtpAuthOptions } from './otpauth-uri.js';
export { buildOtpAuthUri, parseOtpAuthUri } from './otpauth-uri.js';
export type { PhoneOptions, Recipient, RecipientKind } from './recipient.js';
export { foldEmailForLimits, normalizeEmail, normalizePhone } from './recipient.js';
export type { ReplayGuard, StoreReplayGuardOptions } from './replay-guard.js';
export { createReplayGuard } from './replay-guard.js';
export type { GenerateSecretOptions, OtpSecret } from './secret.js';
export { generateSecret, LEGACY_MIN_SECRET_BYTES, MIN_SECRET_BYTES } from './secret.js';
export type { SmsChannelOptions, SmsCodeSender, SmsCodeTemplate } from './sms-channel.js';
export { createSmsChannel } from './sms-channel.js';
export type {
  TotpCodeOptions,
  TotpGenerateOptions,
  TotpOptions,
  TotpVerifyOptions,
  TotpVerifyResult,
} from './totp.js';
export { MAX_TOTP_PERIOD, MIN_TOTP_PERIOD, totp, totpStep, verifyTotp } from './totp.js';
export type {
  Ipv6PrefixRule,
  RateRule,
  RedeemResult,
  RiskContext,
  RiskDecision,
  SendRequest,
  SendResult,
  TestRecipient,
  VerificationLimits,
  VerificationServiceOptions,
  VerifyRequest,
  VerifyResult,
} from './verification-service.js';
export { VERIFICATION_DEFAULTS, VerificationService } from './verification-service.js';
