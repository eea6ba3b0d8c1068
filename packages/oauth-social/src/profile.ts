/** The platforms this package speaks to. */
export type ProviderId =
  | 'wechat'
  | 'wecom'
  | 'dingtalk'
  | 'lark'
  | 'douyin'
  | 'alipay'
  | 'qq'
  | 'weibo'
  | 'google'
  | 'github';

/**
 * One shape for every platform. `id` is the identifier to key accounts on: the cross-app id
 * (unionid) when the platform sent one and `subject` is `'unionId'` (the default), else the per-app
 * id. Both are kept so you can migrate between them. `email` is optional: WeChat, Douyin, Alipay, QQ
 * and Weibo never send one, and this package never invents one.
 */
export interface SocialProfile {
  provider: ProviderId;
  id: string;
  /** The per-app identifier (WeChat/QQ/Douyin/Lark `openid`, DingTalk `openId`, Google `sub`, GitHub `id`). */
  openId: string | undefined;
  /** The cross-app identifier, when the platform returned one for this login. */
  unionId: string | undefined;
  name: string | undefined;
  avatarUrl: string | undefined;
  email: string | undefined;
  emailVerified: boolean;
  phone: string | undefined;
  /**
   * WeChat only: the user is on the "snapshot page" (快照页), whose openid, unionid, nickname and
   * avatar are virtual. Do not create or link an account for such a user.
   */
  snapshotUser?: boolean;
  /** The platform's own profile payload(s), as received. */
  raw: Record<string, unknown>;
}

/** Which identifier becomes `profile.id`. */
export type SubjectPreference = 'unionId' | 'openId';

export function chooseSubject(
  preference: SubjectPreference,
  ids: { openId: string | undefined; unionId: string | undefined },
): string | undefined {
  return preference === 'unionId' ? (ids.unionId ?? ids.openId) : (ids.openId ?? ids.unionId);
}
