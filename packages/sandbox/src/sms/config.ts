/**
 * Accounts, keys, signs and templates the SMS side of the sandbox accepts. Every value has a default
 * (`SANDBOX_SMS_DEFAULTS`) so tests and the demo can sign requests without configuring anything.
 */

/** What the sandbox reports in the delivery reports it posts. `none` posts nothing. */
export type SandboxReportStatus = 'delivered' | 'failed' | 'expired' | 'none';

/** Template id -> content. Placeholders follow each provider: `${name}`, `{1}` or `${1}`. */
export type SandboxTemplates = Readonly<Record<string, string>>;

export interface SandboxAliyunOptions {
  accessKeyId: string;
  accessKeySecret: string;
  signs: readonly string[];
  templates: SandboxTemplates;
  /** Where SmsReport (HTTP batch push) is posted; the console setting on the real platform. */
  reportUrl?: string;
}

export interface SandboxTencentOptions {
  secretId: string;
  secretKey: string;
  smsSdkAppId: string;
  signs: readonly string[];
  templates: SandboxTemplates;
  /** Where the delivery-status callback is posted (a console setting on the real platform). */
  reportUrl?: string;
}

export interface SandboxTwilioOptions {
  accountSid: string;
  authToken: string;
  /** Numbers the account owns and may send `From`. */
  fromNumbers: readonly string[];
  messagingServiceSids: readonly string[];
}

export interface SandboxMoceanOptions {
  apiKey: string;
  apiSecret: string;
  /** Accepted as `Authorization: Bearer <apiToken>`. */
  apiToken: string;
}

export interface SandboxHuaweiOptions {
  appKey: string;
  appSecret: string;
  /** Channel numbers (`from`) of the application. */
  senders: readonly string[];
  signs: readonly string[];
  templates: SandboxTemplates;
}

export interface SandboxVolcengineOptions {
  accessKeyId: string;
  secretAccessKey: string;
  smsAccounts: readonly string[];
  signs: readonly string[];
  templates: SandboxTemplates;
}

export interface SandboxVonageOptions {
  apiKey: string;
  apiSecret: string;
  /** Account-level delivery-receipt webhook (used when a request has no `callback`). */
  reportUrl?: string;
}

export interface SandboxAwsSnsOptions {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

export interface SandboxSmppOptions {
  systemId: string;
  password: string;
}

export interface SandboxSmsConfig {
  aliyun: SandboxAliyunOptions;
  tencent: SandboxTencentOptions;
  twilio: SandboxTwilioOptions;
  mocean: SandboxMoceanOptions;
  huawei: SandboxHuaweiOptions;
  volcengine: SandboxVolcengineOptions;
  vonage: SandboxVonageOptions;
  awsSns: SandboxAwsSnsOptions;
  smpp: SandboxSmppOptions;
  /**
   * Per-number flow control, answered with the provider's own error where it documents one
   * (Aliyun `isv.BUSINESS_LIMIT_CONTROL`, Tencent `LimitExceeded.*`, Mocean status 32).
   * `0` turns it off. Aliyun's real default for verification codes is 1 per minute.
   */
  perNumberPerMinute: number;
  /** Signature timestamps further than this from the sandbox clock are rejected (ms). */
  timestampWindowMs: number;
  /** Status the posted delivery reports carry. */
  reportStatus: SandboxReportStatus;
  /** Delay before a delivery report is posted (ms). */
  reportDelayMs: number;
}

/** Options accepted by `createSandbox({ sms })`: every field optional, merged over the defaults. */
export interface SandboxSmsOptions {
  aliyun?: Partial<SandboxAliyunOptions>;
  tencent?: Partial<SandboxTencentOptions>;
  twilio?: Partial<SandboxTwilioOptions>;
  mocean?: Partial<SandboxMoceanOptions>;
  huawei?: Partial<SandboxHuaweiOptions>;
  volcengine?: Partial<SandboxVolcengineOptions>;
  vonage?: Partial<SandboxVonageOptions>;
  awsSns?: Partial<SandboxAwsSnsOptions>;
  smpp?: Partial<SandboxSmppOptions>;
  perNumberPerMinute?: number;
  timestampWindowMs?: number;
  reportStatus?: SandboxReportStatus;
  reportDelayMs?: number;
}

/** The credentials, signs and templates every sandbox accepts unless told otherwise. */
export const SANDBOX_SMS_DEFAULTS: SandboxSmsConfig = deepFreeze({
  aliyun: {
    accessKeyId: 'LTAI5tSandboxAccessKey',
    accessKeySecret: 'sandbox-aliyun-access-key-secret',
    signs: ['阿里云短信测试', '令牌'],
    templates: {
      // The real Aliyun test template (sign 阿里云短信测试).
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the provider's own ${…} placeholder syntax
      SMS_154950909: '您正在使用阿里云短信测试服务，体验验证码是：${code}，如非本人操作，请忽略本短信！',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the provider's own ${…} placeholder syntax
      SMS_100000001: '您的验证码为${code}，5分钟内有效，请勿泄露。',
    },
  },
  tencent: {
    secretId: 'AKIDSandboxSecretId0000000000000000',
    secretKey: 'sandbox-tencent-secret-key-000000',
    smsSdkAppId: '1400006666',
    signs: ['腾讯云', '令牌'],
    templates: {
      '1234': '验证码为：{1}，如非本人操作，请忽略本短信。',
      '1235': '您的验证码是{1}，{2}分钟内有效。',
    },
  },
  twilio: {
    accountSid: 'AC00000000000000000000000000sandbox',
    authToken: 'sandbox-twilio-auth-token-0000000',
    fromNumbers: ['+15005550006'],
    messagingServiceSids: ['MG00000000000000000000000000sandbox'],
  },
  mocean: {
    apiKey: 'sandbox-mocean-key',
    apiSecret: 'sandbox-mocean-secret',
    apiToken: 'sandbox-mocean-api-token',
  },
  huawei: {
    appKey: 'sandbox-huawei-app-key',
    appSecret: 'sandbox-huawei-app-secret',
    senders: ['8824110605001'],
    signs: ['华为云短信测试', '令牌'],
    templates: {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the provider's own ${…} placeholder syntax
      '8ff55eac1d0b478ab3c06c3c6a492300': '您的验证码为${1}，${2}分钟内有效。',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the provider's own ${…} placeholder syntax
      '8ff55eac1d0b478ab3c06c3c6a492301': '验证码${1}，请勿泄露。',
    },
  },
  volcengine: {
    accessKeyId: 'AKLTSandboxVolcengineAccessKey',
    secretAccessKey: 'sandbox-volcengine-secret-access-key',
    smsAccounts: ['7a2b3c4d'],
    signs: ['火山引擎测试', '令牌'],
    templates: {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the provider's own ${…} placeholder syntax
      ST_7a2b3c4d: '您的验证码是${code}，5分钟内有效。',
    },
  },
  vonage: {
    apiKey: 'sandboxkey',
    apiSecret: 'sandbox-vonage-secret',
  },
  awsSns: {
    accessKeyId: 'AKIASANDBOXACCESSKEY',
    secretAccessKey: 'sandbox-aws-secret-access-key-000000000',
    region: 'us-east-1',
  },
  smpp: {
    systemId: 'sandbox',
    password: 'sandbox1',
  },
  perNumberPerMinute: 10,
  timestampWindowMs: 15 * 60 * 1000,
  reportStatus: 'delivered',
  reportDelayMs: 0,
} satisfies SandboxSmsConfig);

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Merges user options over the defaults, one provider object at a time. */
export function resolveSmsConfig(options: SandboxSmsOptions = {}): SandboxSmsConfig {
  const d = SANDBOX_SMS_DEFAULTS;
  return {
    aliyun: { ...d.aliyun, ...options.aliyun },
    tencent: { ...d.tencent, ...options.tencent },
    twilio: { ...d.twilio, ...options.twilio },
    mocean: { ...d.mocean, ...options.mocean },
    huawei: { ...d.huawei, ...options.huawei },
    volcengine: { ...d.volcengine, ...options.volcengine },
    vonage: { ...d.vonage, ...options.vonage },
    awsSns: { ...d.awsSns, ...options.awsSns },
    smpp: { ...d.smpp, ...options.smpp },
    perNumberPerMinute: options.perNumberPerMinute ?? d.perNumberPerMinute,
    timestampWindowMs: options.timestampWindowMs ?? d.timestampWindowMs,
    reportStatus: options.reportStatus ?? d.reportStatus,
    reportDelayMs: options.reportDelayMs ?? d.reportDelayMs,
  };
}
