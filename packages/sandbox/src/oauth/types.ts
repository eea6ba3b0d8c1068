/** The platforms the OAuth side imitates; each is served under `/<platform>`. */
export const OAUTH_PLATFORMS = [
  'wechat',
  'wecom',
  'dingtalk',
  'lark',
  'douyin',
  'alipay',
  'qq',
  'weibo',
  'google',
  'github',
] as const;

export type OauthPlatform = (typeof OAUTH_PLATFORMS)[number];

/** An app registered on an imitated platform. Platform-specific fields are optional and say where they apply. */
export interface SandboxOauthApp {
  /** The client id under the platform's own name: appid, client_key, app_id, corpid, clientId… */
  appId: string;
  /** The client secret (WeChat secret, WeCom corpsecret, QQ appkey…). Unused by Alipay, which signs. */
  secret: string;
  /** Shown on the consent page. */
  name: string;
  /** Exact redirect URIs; when set, a redirect_uri must equal one of them (Google's rule). */
  redirectUris?: readonly string[];
  /** Allowed redirect hosts (any port) when `redirectUris` is not set; default `127.0.0.1` and `localhost`. */
  redirectHosts?: readonly string[];
  /**
   * WeChat / QQ / Douyin / DingTalk / Lark: the developer account the app is bound to. Apps sharing a group
   * see the same unionid for a user; WeChat returns no unionid at all when the app is not bound.
   */
  unionGroup?: string;
  /** WeChat: which product the app is (decides the authorize endpoint and scopes it may use). */
  wechatKind?: 'website' | 'official_account' | 'mini_program';
  /** WeCom: the app's agentid (the corp id is `appId`). */
  agentId?: string;
  /** DingTalk: the corp the app belongs to (returned as `corpId`). Lark: the tenant_key. */
  tenantId?: string;
  /** GitHub: issue 8-hour tokens with 6-month rotating refresh tokens (GitHub App behaviour). */
  expiringTokens?: boolean;
  /** Alipay: answer `open_id` (the per-app id) instead of the legacy 2088… `user_id`. */
  alipayOpenIdMode?: boolean;
  /** Alipay: the app's public key (SPKI PEM) the gateway verifies request signatures with. */
  appPublicKey?: string;
}

/** A person who can log in on every imitated platform. Ids per app are derived (see `identity.ts`). */
export interface SandboxOauthUser {
  /** Picker value and `?user=` shortcut value. */
  id: string;
  /** Nickname in Chinese platforms' answers. */
  nickname: string;
  /** Full name (Google, GitHub, Lark `en_name`). */
  name: string;
  givenName: string;
  familyName: string;
  /** Null for users without an email (GitHub answers `email: null`, `/user/emails` empty). */
  email: string | null;
  emailVerified: boolean;
  /** E.164. */
  mobile: string;
  gender: 'female' | 'male' | 'unknown';
  country: string;
  province: string;
  city: string;
  /**
   * GitHub: the address `/user` shows as `email` (null when unset). GitHub only lets a verified address
   * be public, so this must be `email` (when verified) or a verified `githubExtraEmails` entry.
   */
  githubPublicEmail?: string;
  /** GitHub: further addresses `/user/emails` lists after the primary `email`, with their `verified` flag. */
  githubExtraEmails?: readonly { email: string; verified: boolean }[];
  /** GitHub login and numeric id. */
  githubLogin: string;
  githubId: number;
  /** Alipay legacy 2088… user id. */
  alipayUserId: string;
  /** Weibo uid. */
  weiboUid: string;
  /** Google `sub`. */
  googleSub: string;
  /** WeCom member userid; undefined for a non-member (WeCom answers an openid instead). */
  wecomUserId?: string;
  /** WeChat: this person is seen through the snapshot page (virtual ids, `is_snapshotuser: 1`). */
  wechatSnapshot?: boolean;
}
