export type { Sandbox, SandboxOptions } from './create-sandbox.js';
export { createSandbox } from './create-sandbox.js';
export type { Fault } from './faults.js';
export { FAULT_TARGETS, FaultSwitches, SMS_FAULT_TARGETS } from './faults.js';
export type {
  OauthPlatform,
  OauthSandbox,
  OauthSandboxOptions,
  OauthRecordCounts,
  OauthStats,
  SandboxOauthApp,
  SandboxOauthIds,
  SandboxOauthUser,
} from './oauth/index.js';
export {
  ALIPAY_SANDBOX_APP_PRIVATE_KEY,
  ALIPAY_SANDBOX_APP_PUBLIC_KEY,
  ALIPAY_SANDBOX_PLATFORM_PUBLIC_KEY,
  alipaySignContent,
  GOOGLE_ISSUER,
  OAUTH_PLATFORMS,
  OAUTH_RECORD_GRACE_MS,
  SANDBOX_OAUTH_DEFAULTS,
  sandboxOauthIds,
  sandboxOauthUser,
} from './oauth/index.js';
export type { SandboxContext } from './sandbox-context.js';
export type { SandboxErrorCode } from './sandbox-error.js';
export { SANDBOX_ERROR_CODES, SandboxError } from './sandbox-error.js';
export type {
  SandboxAliyunOptions,
  SandboxAwsSnsOptions,
  SandboxHuaweiOptions,
  SandboxMoceanOptions,
  SandboxReportStatus,
  SandboxSmppOptions,
  SandboxSmsConfig,
  SandboxSmsOptions,
  SandboxTemplates,
  SandboxTencentOptions,
  SandboxTwilioOptions,
  SandboxVolcengineOptions,
  SandboxVonageOptions,
} from './sms/config.js';
export { SANDBOX_SMS_DEFAULTS } from './sms/config.js';
export type { InboxFilter, SandboxSmsMessage, SandboxSmsProvider } from './sms/inbox.js';
export { SMS_INBOX_PAGE_PATH } from './sms/inbox-page.js';
export type { SandboxReportUrlProvider, SandboxSms } from './sms/index.js';
export type { OutgoingReport, PostedReport } from './sms/report-poster.js';
export type { SandboxSmppServer, SandboxSmppServerOptions } from './sms/smpp-server.js';
