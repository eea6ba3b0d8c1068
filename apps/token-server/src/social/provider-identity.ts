import type { ProviderId, SocialProfile } from '@lingpai/oauth-social';

/**
 * The verified platform identity a `provider_token` stands for: what the code exchange and profile
 * call proved, reduced to what linking and sign-up need. No platform access or refresh token is kept.
 */
export interface ProviderIdentity {
  /** The configured provider id (CloudBase `provider_id`), e.g. `wechat`, `wechat_mp`, `github`. */
  providerId: string;
  /** The platform behind it (`@lingpai/oauth-social`'s id). */
  platform: ProviderId;
  /** The account key (see `identitySubject`). */
  subject: string;
  /** The platform's own id as it names the user (`profile.id`), echoed as `provider_user_id`. */
  providerUserId: string;
  /** The platform app id the login went through (WeChat appid, WeCom corpid, Google client id…). */
  appId: string;
  openId: string | undefined;
  unionId: string | undefined;
  name: string | undefined;
  picture: string | undefined;
  /** Only ever the platform's own answer; never used to link accounts. */
  email: string | undefined;
  emailVerified: boolean;
}

/** Platforms whose `profile.id` is one id for the user across every app of every developer. */
const GLOBAL_ID_PLATFORMS: ReadonlySet<ProviderId> = new Set(['github', 'google', 'weibo']);

/**
 * The key an identity is stored under: the cross-app unionid where the platform sent one; the
 * platform-wide id of GitHub, Google and Weibo; else the per-app id prefixed by the app (a WeChat
 * openid, a WeCom userid, a Douyin open_id are only unique within their app or corp).
 */
export function identitySubject(profile: SocialProfile, appId: string): string {
  if (profile.unionId !== undefined && profile.provider !== 'wecom') return `union:${profile.unionId}`;
  if (GLOBAL_ID_PLATFORMS.has(profile.provider)) return profile.id;
  return `${appId}/${profile.id}`;
}

export function identityFromProfile(
  providerId: string,
  appId: string,
  profile: SocialProfile,
): ProviderIdentity {
  return {
    providerId,
    platform: profile.provider,
    subject: identitySubject(profile, appId),
    providerUserId: profile.id,
    appId,
    openId: profile.openId,
    unionId: profile.unionId,
    name: profile.name,
    picture: profile.avatarUrl,
    email: profile.email,
    emailVerified: profile.emailVerified,
  };
}
