import type { RateRule, VerificationLimits } from '@lingpai/otp';
import {
  createAliyunProvider,
  createHuaweiProvider,
  createTencentProvider,
  createTwilioProvider,
  createVolcengineProvider,
  type RegionalTemplateId,
  type SmsProvider,
  type SmsStrategy,
  strategyByName,
  weightedRoundRobinStrategy,
} from '@lingpai/sms';
import { ConfigError } from '../errors.js';
import { isSecretReference, resolveSecret, type SecretReference } from '../secret-reference.js';

/** A secret: `{ "env": "VAR" }` (the only form the config file accepts) or, from code, the value. */
export type SecretInput = SecretReference | string;

export const SMS_PROVIDER_KINDS = ['aliyun', 'tencent', 'huawei', 'volcengine', 'twilio'] as const;
export type SmsProviderKindName = (typeof SMS_PROVIDER_KINDS)[number];

/** The credential fields each provider kind needs (all go through `resolveSecret`). */
const CREDENTIALS: Record<SmsProviderKindName, readonly string[]> = {
  aliyun: ['accessKeyId', 'accessKeySecret'],
  tencent: ['secretId', 'secretKey'],
  huawei: ['appKey', 'appSecret'],
  volcengine: ['accessKeyId', 'secretAccessKey'],
  twilio: ['accountSid', 'authToken'],
};

/** Plain (non-secret) settings each kind takes, and the ones it cannot do without. */
const SETTINGS: Record<SmsProviderKindName, { known: readonly string[]; required: readonly string[] }> = {
  aliyun: { known: ['signName', 'site'], required: [] },
  tencent: { known: ['smsSdkAppId', 'signName', 'region'], required: ['smsSdkAppId'] },
  huawei: { known: ['from', 'signName', 'statusCallback'], required: ['from'] },
  volcengine: { known: ['smsAccount', 'signName', 'region'], required: ['smsAccount'] },
  twilio: { known: ['from', 'messagingServiceSid', 'statusCallback'], required: [] },
};

export interface SmsProviderInput {
  kind: SmsProviderKindName;
  /** Unique name (default: the kind). */
  name?: string;
  /** Where the provider's API lives; set only for the sandbox or a proxy. */
  baseURL?: string;
  timeoutMs?: number;
  /** For `strategy: 'weighted'`. Default 1. */
  weight?: number;
  credentials: Record<string, SecretInput>;
  /** Template ids by usage (`SIGN_IN`, …) with `default` for the rest; regional `{ CN, default }` allowed. */
  templates?: Record<string, string | RegionalTemplateId>;
  /** Kind-specific settings: `signName`, `smsSdkAppId`, `region`, `from`, `smsAccount`, … */
  [setting: string]: unknown;
}

export interface SmsOptions {
  providers: SmsProviderInput[];
  /** `ordered` (default: failover in list order), `random`, `round-robin` or `weighted`. */
  strategy?: 'ordered' | 'random' | 'round-robin' | 'weighted';
  /** Try the next provider when one fails. Default true. */
  failover?: boolean;
  /** Text for content providers (Twilio) by usage, `{{code}}` and `{{minutes}}`; `default` for the rest. */
  content?: Record<string, string>;
}

export interface EmailOptions {
  host: string;
  port?: number;
  /** TLS from the first byte (port 465). Default: `port === 465`. */
  secure?: boolean;
  auth?: { user: string; pass: SecretInput };
  from: string;
}

export interface VerificationOptions {
  codeLength?: number;
  ttlSeconds?: number;
  cooldownSeconds?: number;
  maxAttempts?: number;
  tokenTtlSeconds?: number;
  /** `@lingpai/otp`'s caps (`perRecipient`, `perIp`, `perCountry`, `global`, …); unset keep otp's defaults. */
  limits?: VerificationLimits;
  /** On: `is_user` is omitted and a `target` mismatch answers like a send, sending nothing. Default false. */
  enumerationProtection?: boolean;
  /** Region of numbers written without a country code. Default `CN` (CloudBase prepends +86). */
  defaultRegion?: string;
  /** ISO regions codes may be sent to; unset: every region. */
  allowedCountries?: string[];
  /** Every send needs a solved captcha (`x-captcha-token`, checked by the captcha verifier). Default false. */
  requireCaptcha?: boolean;
}

/** What `TokenServerOptions` carries for verification codes (the LINGPAI_CONFIG keys of the same names). */
export interface VerificationSettings {
  sms?: SmsOptions;
  email?: EmailOptions;
  verification?: VerificationOptions;
}

export interface ResolvedSms {
  providers: SmsProvider[];
  strategy: SmsStrategy;
  maxAttempts: number;
  /** Channel templates by usage (`default` included), built from every provider's ids. */
  templates: Record<string, { ids: Record<string, string | RegionalTemplateId>; content: string }>;
}

export interface ResolvedEmail {
  transport: {
    host: string;
    port: number;
    secure: boolean;
    auth?: { user: string; pass: string };
  };
  from: string;
}

export interface ResolvedVerification {
  sms: ResolvedSms | undefined;
  email: ResolvedEmail | undefined;
  codeLength: number | undefined;
  ttlSeconds: number | undefined;
  cooldownSeconds: number | undefined;
  maxAttempts: number | undefined;
  tokenTtlSeconds: number | undefined;
  limits: VerificationLimits | undefined;
  enumerationProtection: boolean;
  defaultRegion: string;
  allowedCountries: string[] | undefined;
  requireCaptcha: boolean;
}

export const DEFAULT_SMS_CONTENT = 'Your verification code is {{code}}. It expires in {{minutes}} minutes.';

type Env = Readonly<Record<string, string | undefined>>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(where: string, value: unknown): Record<string, unknown> {
  if (!isRecord(value)) throw new ConfigError(`${where} must be an object`);
  return value;
}

function onlyKeys(where: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key))
      throw new ConfigError(`${where}: unknown key "${key}"; known: ${known.join(', ')}`);
  }
}

function text(where: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new ConfigError(`${where} must be a non-empty string`);
  return value;
}

function optionalInteger(where: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(`${where} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return value;
}

function optionalBoolean(where: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new ConfigError(`${where} must be true or false`);
  return value;
}

function baseUrl(where: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const url = text(where, value);
  if (!/^https?:\/\/[^\s]+$/.test(url))
    throw new ConfigError(`${where} must be an http(s) URL, got "${url}"`);
  return url;
}

function region(where: string, value: unknown): string {
  const code = text(where, value);
  if (!/^[A-Z]{2}$/.test(code))
    throw new ConfigError(`${where} must be an upper-case ISO region such as CN, got "${code}"`);
  return code;
}

function templateIds(where: string, value: unknown): Record<string, string | RegionalTemplateId> {
  if (value === undefined) return {};
  const table = object(where, value);
  const out: Record<string, string | RegionalTemplateId> = {};
  for (const [usage, id] of Object.entries(table)) {
    if (typeof id === 'string' && id !== '') out[usage] = id;
    else if (isRecord(id) && Object.values(id).every((entry) => typeof entry === 'string' && entry !== ''))
      out[usage] = id as RegionalTemplateId;
    else throw new ConfigError(`${where}.${usage} must be a template id or { "CN": id, "default": id }`);
  }
  return out;
}

function smsProvider(
  where: string,
  value: unknown,
  env: Env,
  allowLiteral: boolean,
): { provider: SmsProvider; weight: number; templates: Record<string, string | RegionalTemplateId> } {
  const entry = object(where, value);
  const kind = entry.kind;
  if (typeof kind !== 'string' || !(SMS_PROVIDER_KINDS as readonly string[]).includes(kind))
    throw new ConfigError(
      `${where}.kind must be one of ${SMS_PROVIDER_KINDS.join(', ')}, got ${JSON.stringify(kind)}`,
    );
  const k = kind as SmsProviderKindName;
  const settings = SETTINGS[k];
  onlyKeys(where, entry, [
    'kind',
    'name',
    'baseURL',
    'timeoutMs',
    'weight',
    'credentials',
    'templates',
    ...settings.known,
  ]);
  const credentials = object(`${where}.credentials`, entry.credentials);
  onlyKeys(`${where}.credentials`, credentials, CREDENTIALS[k]);
  const secret: Record<string, string> = {};
  for (const field of CREDENTIALS[k]) {
    secret[field] = resolveSecret(`${where}.credentials.${field}`, credentials[field], env, { allowLiteral });
  }
  const plain: Record<string, string> = {};
  for (const field of settings.known) {
    if (entry[field] !== undefined) plain[field] = text(`${where}.${field}`, entry[field]);
  }
  for (const field of settings.required) {
    if (plain[field] === undefined) throw new ConfigError(`${where} (${k}) needs "${field}"`);
  }
  if (k === 'twilio' && plain.from === undefined && plain.messagingServiceSid === undefined)
    throw new ConfigError(`${where} (twilio) needs "from" or "messagingServiceSid"`);
  const http = {
    name: entry.name === undefined ? k : text(`${where}.name`, entry.name),
    ...(entry.baseURL === undefined ? {} : { baseURL: baseUrl(`${where}.baseURL`, entry.baseURL) as string }),
    ...(entry.timeoutMs === undefined
      ? {}
      : { timeoutMs: optionalInteger(`${where}.timeoutMs`, entry.timeoutMs, 100, 60_000) as number }),
  };
  const weight = optionalInteger(`${where}.weight`, entry.weight, 0, 1_000_000) ?? 1;
  const templates = templateIds(`${where}.templates`, entry.templates);
  if (k !== 'twilio' && Object.keys(templates).length === 0)
    throw new ConfigError(
      `${where} (${k}) needs "templates" with at least "default": its approved template id`,
    );
  const s = secret as Record<string, string>;
  let provider: SmsProvider;
  try {
    switch (k) {
      case 'aliyun':
        provider = createAliyunProvider({
          ...http,
          accessKeyId: s.accessKeyId ?? '',
          accessKeySecret: s.accessKeySecret ?? '',
          ...(plain.signName === undefined ? {} : { signName: plain.signName }),
          ...(plain.site === 'international' || plain.site === 'china' ? { site: plain.site } : {}),
        });
        break;
      case 'tencent':
        provider = createTencentProvider({
          ...http,
          secretId: s.secretId ?? '',
          secretKey: s.secretKey ?? '',
          smsSdkAppId: plain.smsSdkAppId ?? '',
          ...(plain.signName === undefined ? {} : { signName: plain.signName }),
          ...(plain.region === undefined ? {} : { region: plain.region }),
        });
        break;
      case 'huawei':
        provider = createHuaweiProvider({
          ...http,
          appKey: s.appKey ?? '',
          appSecret: s.appSecret ?? '',
          from: plain.from ?? '',
          ...(plain.signName === undefined ? {} : { signName: plain.signName }),
          ...(plain.statusCallback === undefined ? {} : { statusCallback: plain.statusCallback }),
        });
        break;
      case 'volcengine':
        provider = createVolcengineProvider({
          ...http,
          accessKeyId: s.accessKeyId ?? '',
          secretAccessKey: s.secretAccessKey ?? '',
          smsAccount: plain.smsAccount ?? '',
          ...(plain.signName === undefined ? {} : { signName: plain.signName }),
          ...(plain.region === undefined ? {} : { region: plain.region }),
        });
        break;
      case 'twilio':
        provider = createTwilioProvider({
          ...http,
          accountSid: s.accountSid ?? '',
          authToken: s.authToken ?? '',
          ...(plain.from === undefined ? {} : { from: plain.from }),
          ...(plain.messagingServiceSid === undefined
            ? {}
            : { messagingServiceSid: plain.messagingServiceSid }),
          ...(plain.statusCallback === undefined ? {} : { statusCallback: plain.statusCallback }),
        });
        break;
    }
  } catch (error) {
    throw new ConfigError(`${where} (${k}): ${(error as Error).message}`);
  }
  return { provider, weight, templates };
}

function resolveSms(where: string, value: unknown, env: Env, allowLiteral: boolean): ResolvedSms | undefined {
  if (value === undefined) return undefined;
  const sms = object(where, value);
  onlyKeys(where, sms, ['providers', 'strategy', 'failover', 'content']);
  if (!Array.isArray(sms.providers) || sms.providers.length === 0)
    throw new ConfigError(`${where}.providers must be a non-empty array`);
  const built = sms.providers.map((entry, index) =>
    smsProvider(`${where}.providers[${index}]`, entry, env, allowLiteral),
  );
  const names = new Set<string>();
  for (const [index, { provider }] of built.entries()) {
    if (names.has(provider.name))
      throw new ConfigError(
        `${where}.providers[${index}]: the name "${provider.name}" is used twice; give each a "name"`,
      );
    names.add(provider.name);
  }
  const strategyName = sms.strategy ?? 'ordered';
  let strategy: SmsStrategy;
  if (strategyName === 'weighted') {
    strategy = weightedRoundRobinStrategy(
      Object.fromEntries(built.map(({ provider, weight }) => [provider.name, weight])),
    );
  } else if (strategyName === 'ordered' || strategyName === 'random' || strategyName === 'round-robin') {
    strategy = strategyByName(strategyName);
  } else {
    throw new ConfigError(
      `${where}.strategy must be ordered, random, round-robin or weighted, got ${JSON.stringify(strategyName)}`,
    );
  }
  const failover = optionalBoolean(`${where}.failover`, sms.failover) ?? true;
  const content: Record<string, string> = {};
  if (sms.content !== undefined) {
    for (const [usage, body] of Object.entries(object(`${where}.content`, sms.content)))
      content[usage] = text(`${where}.content.${usage}`, body);
  }
  const usages = new Set<string>(['default', ...Object.keys(content)]);
  for (const { templates } of built) for (const usage of Object.keys(templates)) usages.add(usage);
  const templates: ResolvedSms['templates'] = {};
  for (const usage of usages) {
    const ids: Record<string, string | RegionalTemplateId> = {};
    for (const { provider, templates: own } of built) {
      const id = own[usage] ?? own.default;
      if (id !== undefined) ids[provider.name] = id;
    }
    templates[usage] = { ids, content: content[usage] ?? content.default ?? DEFAULT_SMS_CONTENT };
  }
  return {
    providers: built.map(({ provider }) => provider),
    strategy,
    maxAttempts: failover ? built.length : 1,
    templates,
  };
}

function resolveEmail(
  where: string,
  value: unknown,
  env: Env,
  allowLiteral: boolean,
): ResolvedEmail | undefined {
  if (value === undefined) return undefined;
  const email = object(where, value);
  onlyKeys(where, email, ['host', 'port', 'secure', 'auth', 'from']);
  const host = text(`${where}.host`, email.host);
  const port = optionalInteger(`${where}.port`, email.port, 1, 65_535) ?? 587;
  const secure = optionalBoolean(`${where}.secure`, email.secure) ?? port === 465;
  const from = text(`${where}.from`, email.from);
  if (!from.includes('@'))
    throw new ConfigError(`${where}.from must be an address such as "Lingpai <no-reply@example.com>"`);
  let auth: ResolvedEmail['transport']['auth'];
  if (email.auth !== undefined) {
    const entry = object(`${where}.auth`, email.auth);
    onlyKeys(`${where}.auth`, entry, ['user', 'pass']);
    auth = {
      user: text(`${where}.auth.user`, entry.user),
      pass: resolveSecret(`${where}.auth.pass`, entry.pass, env, { allowLiteral }),
    };
  }
  return { transport: { host, port, secure, ...(auth === undefined ? {} : { auth }) }, from };
}

const VERIFICATION_KEYS = [
  'codeLength',
  'ttlSeconds',
  'cooldownSeconds',
  'maxAttempts',
  'tokenTtlSeconds',
  'limits',
  'enumerationProtection',
  'defaultRegion',
  'allowedCountries',
  'requireCaptcha',
];

const LIMIT_RULE_KEYS = ['perRecipient', 'perIp', 'perDevice', 'perCountry', 'global'];

function rules(where: string, value: unknown): RateRule[] {
  if (!Array.isArray(value)) throw new ConfigError(`${where} must be an array of { "max", "windowSeconds" }`);
  return value.map((rule, index) => {
    const entry = object(`${where}[${index}]`, rule);
    onlyKeys(`${where}[${index}]`, entry, ['max', 'windowSeconds']);
    return {
      max: optionalInteger(`${where}[${index}].max`, entry.max, 1, Number.MAX_SAFE_INTEGER) ?? 0,
      windowSeconds:
        optionalInteger(`${where}[${index}].windowSeconds`, entry.windowSeconds, 1, 31 * 86_400) ?? 0,
    };
  });
}

function limits(where: string, value: unknown): VerificationLimits | undefined {
  if (value === undefined) return undefined;
  const entry = object(where, value);
  onlyKeys(where, entry, [...LIMIT_RULE_KEYS, 'perIpv6Prefix', 'perCountryOverrides', 'ipv6PrefixLength']);
  const out: Record<string, unknown> = {};
  for (const key of LIMIT_RULE_KEYS)
    if (entry[key] !== undefined) out[key] = rules(`${where}.${key}`, entry[key]);
  if (entry.perCountryOverrides !== undefined) {
    const overrides: Record<string, RateRule[]> = {};
    for (const [code, list] of Object.entries(
      object(`${where}.perCountryOverrides`, entry.perCountryOverrides),
    ))
      overrides[region(`${where}.perCountryOverrides key`, code)] = rules(
        `${where}.perCountryOverrides.${code}`,
        list,
      );
    out.perCountryOverrides = overrides;
  }
  // Checked in full by VerificationService at start (prefix rules, lengths).
  if (entry.perIpv6Prefix !== undefined) out.perIpv6Prefix = entry.perIpv6Prefix;
  if (entry.ipv6PrefixLength !== undefined) out.ipv6PrefixLength = entry.ipv6PrefixLength;
  return out as VerificationLimits;
}

/**
 * Validates the `sms`, `email` and `verification` sections at start; every message names the entry
 * (`sms.providers[1].credentials.secretKey: …`). `fromFile`: the LINGPAI_CONFIG file, where a secret
 * must be `{ "env": "VAR" }`; options built in code may also pass the value itself.
 */
export function resolveVerificationSettings(
  settings: VerificationSettings,
  env: Env = process.env,
  options: { fromFile?: boolean; prefix?: string } = {},
): ResolvedVerification {
  const allowLiteral = !options.fromFile;
  const prefix = options.prefix ?? '';
  const sms = resolveSms(`${prefix}sms`, settings.sms, env, allowLiteral);
  const email = resolveEmail(`${prefix}email`, settings.email, env, allowLiteral);
  const where = `${prefix}verification`;
  const v = settings.verification === undefined ? {} : object(where, settings.verification);
  onlyKeys(where, v, VERIFICATION_KEYS);
  let allowedCountries: string[] | undefined;
  if (v.allowedCountries !== undefined) {
    if (!Array.isArray(v.allowedCountries) || v.allowedCountries.length === 0)
      throw new ConfigError(
        `${where}.allowedCountries must be a non-empty array of ISO regions such as ["CN"]`,
      );
    allowedCountries = v.allowedCountries.map((code, index) =>
      region(`${where}.allowedCountries[${index}]`, code),
    );
  }
  return {
    sms,
    email,
    codeLength: optionalInteger(`${where}.codeLength`, v.codeLength, 4, 10),
    ttlSeconds: optionalInteger(`${where}.ttlSeconds`, v.ttlSeconds, 30, 86_400),
    cooldownSeconds: optionalInteger(`${where}.cooldownSeconds`, v.cooldownSeconds, 0, 3_600),
    maxAttempts: optionalInteger(`${where}.maxAttempts`, v.maxAttempts, 1, 100),
    tokenTtlSeconds: optionalInteger(`${where}.tokenTtlSeconds`, v.tokenTtlSeconds, 30, 3_600),
    limits: limits(`${where}.limits`, v.limits),
    enumerationProtection:
      optionalBoolean(`${where}.enumerationProtection`, v.enumerationProtection) ?? false,
    defaultRegion: v.defaultRegion === undefined ? 'CN' : region(`${where}.defaultRegion`, v.defaultRegion),
    allowedCountries,
    requireCaptcha: optionalBoolean(`${where}.requireCaptcha`, v.requireCaptcha) ?? false,
  };
}

/** Every `{ "env": "VAR" }` in a file section replaced by its value (after validation, so the names are right). */
function withSecretsResolved(where: string, value: unknown, env: Env): unknown {
  if (isSecretReference(value)) return resolveSecret(where, value, env);
  if (Array.isArray(value))
    return value.map((item, index) => withSecretsResolved(`${where}[${index}]`, item, env));
  if (isRecord(value))
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, withSecretsResolved(`${where}.${key}`, item, env)]),
    );
  return value;
}

/**
 * The LINGPAI_CONFIG file's `sms`, `email` and `verification` keys: validated at once (a secret
 * must be `{ "env": "VAR" }`; messages name the entry), returned with the secrets read from `env`.
 */
export function verificationSectionsFromFile(raw: Record<string, unknown>, env: Env): VerificationSettings {
  const sections: VerificationSettings = {
    ...(raw.sms === undefined ? {} : { sms: raw.sms as SmsOptions }),
    ...(raw.email === undefined ? {} : { email: raw.email as EmailOptions }),
    ...(raw.verification === undefined ? {} : { verification: raw.verification as VerificationOptions }),
  };
  resolveVerificationSettings(sections, env, { fromFile: true, prefix: 'LINGPAI_CONFIG ' });
  return withSecretsResolved('LINGPAI_CONFIG', sections, env) as VerificationSettings;
}
