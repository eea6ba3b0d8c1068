import type { Clock } from '@lingpai/auth-core';
import {
  Alipay,
  DingTalk,
  Douyin,
  GitHub,
  Google,
  isOAuthError,
  Lark,
  type OAuthProvider,
  type ProviderId,
  QQ,
  WeChat,
  WeCom,
  Weibo,
} from '@lingpai/oauth-social';
import { ConfigError } from '../errors.js';
import { resolveSecret, type SecretReference } from '../secret-reference.js';

/** A secret: `{ "env": "VAR" }` (the config file allows nothing else), or a literal in code-built options. */
export type SecretValue = string | SecretReference;

/**
 * One login platform as the operator configures it (the `social` section, keyed by the CloudBase
 * `provider_id` the clients send, e.g. `wechat`, `wechat_mp`, `github`).
 */
export interface SocialProviderOptions {
  /** Which platform: `wechat`, `qq`, `weibo`, `alipay`, `dingtalk`, `lark`, `douyin`, `wecom`, `github`, `google`. */
  provider: ProviderId;
  /** The platform app id (WeChat AppID, Douyin client_key, WeCom CorpID, Google client id…); `appId` is the same. */
  clientId?: string;
  appId?: string;
  /** The app secret (WeCom: the app's Secret). Not for Alipay. */
  clientSecret?: SecretValue;
  /** Alipay: the app private key (PEM or the console's base64). */
  privateKey?: SecretValue;
  /** Alipay: Alipay's public key, which every response signature is checked against. */
  alipayPublicKey?: string;
  /** WeCom: the app's AgentId. */
  agentId?: string;
  /** DingTalk: the organization (corpId) to log in to. */
  corpId?: string;
  /** Replaces every platform host, e.g. the sandbox's `http://127.0.0.1:4010/wechat`. */
  baseURL?: string;
  /** Per-host overrides (keys are each platform's `HOSTS`). */
  hosts?: Record<string, string>;
  /** Platform scopes; each platform has a sensible default. */
  scopes?: string[];
  /** WeChat: `website` (QR, default), `official-account` (in WeChat) or `mini-program` (`wx.login` codes). */
  platform?: 'website' | 'official-account' | 'mini-program';
  /** Lark: `feishu` (default) or `lark`. */
  region?: 'feishu' | 'lark';
  /** WeCom: `qr` (default) or `in-app`. */
  flow?: 'qr' | 'in-app';
  /** Which id `provider_user_id` shows: `unionId` (default) or `openId`. Accounts are keyed on the unionid either way. */
  subject?: 'unionId' | 'openId';
  /** What the login page calls it. Default: the platform's name. */
  name?: string;
  /** Bound on each platform call. Default 10,000 ms. */
  timeoutMs?: number;
}

export type SocialOptions = Record<string, SocialProviderOptions>;

/** A configured, validated platform, ready to talk to it. */
export interface ConfiguredProvider {
  id: string;
  platform: ProviderId;
  /** The platform app id (the key its openids are kept under). */
  appId: string;
  name: string;
  scopes: string[] | undefined;
  /** WeChat mini programs have no authorize page: their `wx.login` code goes straight to provider/token. */
  hasAuthorizePage: boolean;
  /** WeChat: which login it is (`website`: the QR page; `official-account`: inside WeChat). */
  wechatPlatform?: 'website' | 'official-account' | 'mini-program';
  /**
   * WeChat: the origin of its authorize pages (`hosts.open`, else `baseURL`, else
   * https://open.weixin.qq.com) — the one origin the login page's CSP lets it frame.
   */
  authorizeOrigin?: string;
  oauth: OAuthProvider;
}

/** WeChat's authorize pages (qrconnect, oauth2/authorize) when no host is configured. */
export const WECHAT_OPEN_ORIGIN = 'https://open.weixin.qq.com';

export const SOCIAL_PLATFORMS: readonly ProviderId[] = [
  'wechat',
  'qq',
  'weibo',
  'alipay',
  'dingtalk',
  'lark',
  'douyin',
  'wecom',
  'github',
  'google',
];

const PLATFORM_NAMES: Record<ProviderId, string> = {
  wechat: 'WeChat',
  qq: 'QQ',
  weibo: 'Weibo',
  alipay: 'Alipay',
  dingtalk: 'DingTalk',
  lark: 'Lark',
  douyin: 'Douyin',
  wecom: 'WeCom',
  github: 'GitHub',
  google: 'Google',
};

type FieldKind = 'string' | 'strings' | 'secret' | 'integer' | 'record';

const COMMON_FIELDS: Record<string, FieldKind> = {
  provider: 'string',
  clientId: 'string',
  appId: 'string',
  baseURL: 'string',
  hosts: 'record',
  scopes: 'strings',
  subject: 'string',
  name: 'string',
  timeoutMs: 'integer',
};

/** The fields each platform accepts beyond the common ones (anything else is refused by name). */
const PLATFORM_FIELDS: Record<ProviderId, Record<string, FieldKind>> = {
  wechat: { clientSecret: 'secret', platform: 'string' },
  qq: { clientSecret: 'secret' },
  weibo: { clientSecret: 'secret' },
  alipay: { privateKey: 'secret', alipayPublicKey: 'string' },
  dingtalk: { clientSecret: 'secret', corpId: 'string' },
  lark: { clientSecret: 'secret', region: 'string' },
  douyin: { clientSecret: 'secret' },
  wecom: { clientSecret: 'secret', agentId: 'string', flow: 'string' },
  github: { clientSecret: 'secret' },
  google: { clientSecret: 'secret' },
};

const ENUMS: Record<string, readonly string[]> = {
  platform: ['website', 'official-account', 'mini-program'],
  region: ['feishu', 'lark'],
  flow: ['qr', 'in-app'],
  subject: ['unionId', 'openId'],
};

export interface ResolveSocialOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Code-built options may carry literal secrets; the config file may not. */
  allowLiteralSecrets?: boolean;
  clock?: Clock;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkField(where: string, name: string, kind: FieldKind, value: unknown): void {
  const ok =
    kind === 'string'
      ? typeof value === 'string' && value !== ''
      : kind === 'strings'
        ? Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '')
        : kind === 'integer'
          ? Number.isInteger(value) && (value as number) > 0
          : kind === 'record'
            ? isRecord(value) && Object.values(value).every((item) => typeof item === 'string')
            : typeof value === 'string' || isRecord(value);
  if (!ok) {
    const expected = {
      string: 'a non-empty string',
      strings: 'an array of non-empty strings',
      integer: 'a positive integer',
      record: 'an object of strings',
      secret: '{ "env": "VARIABLE_NAME" }',
    }[kind];
    throw new ConfigError(`${where}.${name} must be ${expected}`);
  }
  const allowed = ENUMS[name];
  if (allowed && !allowed.includes(value as string)) {
    throw new ConfigError(`${where}.${name} must be one of ${allowed.join(', ')}, got "${String(value)}"`);
  }
}

/** `http(s)://…` only: a typo'd base URL must not send credentials somewhere odd. */
function checkUrl(where: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${where} "${value}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError(`${where} must be an http(s) URL, got ${url.protocol}`);
}

function buildProvider(
  entry: SocialProviderOptions,
  appId: string,
  secret: (field: 'clientSecret' | 'privateKey') => string,
  clock: Clock | undefined,
): OAuthProvider {
  const transport = {
    ...(entry.baseURL === undefined ? {} : { baseURL: entry.baseURL }),
    ...(entry.timeoutMs === undefined ? {} : { timeoutMs: entry.timeoutMs }),
    ...(clock === undefined ? {} : { clock }),
  };
  const hosts = entry.hosts === undefined ? {} : { hosts: entry.hosts };
  const subject = entry.subject === undefined ? {} : { subject: entry.subject };
  const common = { clientId: appId, ...transport, ...hosts, ...subject };
  switch (entry.provider) {
    case 'wechat':
      return new WeChat({
        ...common,
        clientSecret: secret('clientSecret'),
        platform: entry.platform ?? 'website',
      });
    case 'qq':
      return new QQ({ ...common, clientSecret: secret('clientSecret') });
    case 'weibo':
      return new Weibo({ ...common, clientSecret: secret('clientSecret') });
    case 'alipay':
      return new Alipay({
        appId,
        privateKey: secret('privateKey'),
        // Required below: without it a response would be trusted on TLS alone.
        alipayPublicKey: entry.alipayPublicKey ?? '',
        ...transport,
        ...hosts,
        ...subject,
      });
    case 'dingtalk':
      return new DingTalk({
        ...common,
        clientSecret: secret('clientSecret'),
        ...(entry.corpId === undefined ? {} : { corpId: entry.corpId }),
      });
    case 'lark':
      return new Lark({ ...common, clientSecret: secret('clientSecret'), region: entry.region ?? 'feishu' });
    case 'douyin':
      return new Douyin({ ...common, clientSecret: secret('clientSecret') });
    case 'wecom':
      return new WeCom({
        corpId: appId,
        corpSecret: secret('clientSecret'),
        agentId: entry.agentId ?? '',
        flow: entry.flow ?? 'qr',
        ...transport,
        ...hosts,
      });
    case 'github':
      return new GitHub({ ...common, clientSecret: secret('clientSecret') });
    case 'google':
      return new Google({ ...common, clientSecret: secret('clientSecret') });
  }
}

/**
 * Validates the `social` section once, at start. Every message names the entry and the field
 * (`social.wechat.clientSecret: the environment variable WECHAT_SECRET is not set`), and the
 * platform classes are built here, so their own option checks fail the start too.
 */
export function resolveSocialConfig(
  section: unknown,
  options: ResolveSocialOptions = {},
): Map<string, ConfiguredProvider> {
  const providers = new Map<string, ConfiguredProvider>();
  if (section === undefined) return providers;
  if (!isRecord(section)) throw new ConfigError('social must be an object keyed by provider id');
  for (const [id, raw] of Object.entries(section)) {
    const where = `social.${id}`;
    if (!/^[a-z][a-z0-9_-]{0,63}$/.test(id)) {
      throw new ConfigError(
        `${where}: a provider id must be 1–64 characters of a–z, 0–9, '_' or '-', starting with a letter`,
      );
    }
    if (!isRecord(raw)) throw new ConfigError(`${where} must be an object`);
    const platform = raw.provider;
    if (typeof platform !== 'string' || !(SOCIAL_PLATFORMS as readonly string[]).includes(platform)) {
      throw new ConfigError(
        `${where}.provider must be one of ${SOCIAL_PLATFORMS.join(', ')}, got "${String(platform)}"`,
      );
    }
    const fields = { ...COMMON_FIELDS, ...PLATFORM_FIELDS[platform as ProviderId] };
    for (const [name, value] of Object.entries(raw)) {
      const kind = fields[name];
      if (kind === undefined) {
        throw new ConfigError(
          `${where}: unknown field "${name}" for ${platform} (known: ${Object.keys(fields).join(', ')})`,
        );
      }
      checkField(where, name, kind, value);
    }
    const entry = raw as unknown as SocialProviderOptions;
    if (entry.clientId !== undefined && entry.appId !== undefined && entry.clientId !== entry.appId) {
      throw new ConfigError(
        `${where}: give clientId or appId (they are the same thing), not two different ones`,
      );
    }
    const appId = entry.clientId ?? entry.appId;
    if (appId === undefined) throw new ConfigError(`${where}.clientId is missing (the platform's app id)`);
    if (entry.baseURL !== undefined) checkUrl(`${where}.baseURL`, entry.baseURL);
    for (const [host, url] of Object.entries(entry.hosts ?? {})) checkUrl(`${where}.hosts.${host}`, url);
    if (platform === 'alipay' && entry.alipayPublicKey === undefined) {
      throw new ConfigError(
        `${where}.alipayPublicKey is missing: every Alipay answer's signature is checked against it`,
      );
    }
    if (platform === 'wecom' && entry.agentId === undefined) {
      throw new ConfigError(`${where}.agentId is missing (the WeCom app's AgentId)`);
    }
    const secret = (field: 'clientSecret' | 'privateKey') =>
      resolveSecret(`${where}.${field}`, entry[field], options.env ?? process.env, {
        allowLiteral: options.allowLiteralSecrets ?? false,
      });
    let oauth: OAuthProvider;
    try {
      oauth = buildProvider(entry, appId, secret, options.clock);
    } catch (error) {
      if (isOAuthError(error)) throw new ConfigError(`${where}: ${error.message}`);
      throw error;
    }
    providers.set(id, {
      id,
      platform: platform as ProviderId,
      appId,
      name: entry.name ?? PLATFORM_NAMES[platform as ProviderId],
      scopes: entry.scopes,
      hasAuthorizePage: !(platform === 'wechat' && entry.platform === 'mini-program'),
      ...(platform === 'wechat'
        ? {
            wechatPlatform: entry.platform ?? 'website',
            authorizeOrigin: new URL(entry.hosts?.open ?? entry.baseURL ?? WECHAT_OPEN_ORIGIN).origin,
          }
        : {}),
      oauth,
    });
  }
  return providers;
}

/**
 * The config file's `social` section with every secret reference resolved from `env`, so the file
 * is checked when it is read and the running server gets plain options. Literal secrets are refused.
 */
export function socialSectionFromFile(
  section: unknown,
  env: Readonly<Record<string, string | undefined>>,
): SocialOptions | undefined {
  if (section === undefined) return undefined;
  const where = 'LINGPAI_CONFIG social';
  try {
    resolveSocialConfig(section, { env, allowLiteralSecrets: false });
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`LINGPAI_CONFIG ${error.message}`);
    throw error;
  }
  const resolved: SocialOptions = {};
  for (const [id, raw] of Object.entries(section as Record<string, Record<string, unknown>>)) {
    const entry = { ...raw } as unknown as SocialProviderOptions;
    for (const field of ['clientSecret', 'privateKey'] as const) {
      if (entry[field] !== undefined)
        entry[field] = resolveSecret(`${where}.${id}.${field}`, entry[field], env);
    }
    resolved[id] = entry;
  }
  return resolved;
}
