// Providers.

export type { AlipayOptions } from './alipay.js';
export { Alipay } from './alipay.js';
// Alipay signing.
export {
  alipaySignContent,
  alipayTimestamp,
  extractAlipayResponseNode,
  signAlipayRsa2,
  verifyAlipayRsa2,
} from './alipay-sign.js';
export type { AppTokenOptions } from './app-token.js';
// App-level tokens.
export { AppToken, secretFingerprint } from './app-token.js';
export type { DingTalkOptions } from './dingtalk.js';
export { DingTalk } from './dingtalk.js';
export type { DingTalkApiRequest, DingTalkAppTokenOptions } from './dingtalk-app-token.js';
export { DingTalkAppToken } from './dingtalk-app-token.js';
export type { DouyinOptions } from './douyin.js';
export { Douyin } from './douyin.js';
export type { DouyinApiRequest, DouyinClientTokenOptions } from './douyin-client-token.js';
export { DouyinClientToken } from './douyin-client-token.js';
export type { OAuthErrorCode, OAuthErrorOptions } from './errors.js';
export { isOAuthError, OAuthError, OAuthErrorCodes } from './errors.js';
export type { GitHubOptions } from './github.js';
export { GitHub } from './github.js';
export type { GoogleOptions } from './google.js';
export { Google } from './google.js';
export type { TransportOptions } from './internal/transport.js';
export type { LarkHosts, LarkOptions } from './lark.js';
export { LARK_REGIONS, Lark } from './lark.js';
export type { LarkApiRequest, LarkAppTokenOptions } from './lark-app-token.js';
export { LarkAppToken } from './lark-app-token.js';
export type { ProviderId, SocialProfile, SubjectPreference } from './profile.js';
// Shared shapes.
export type {
  AuthorizationURLInput,
  OAuthProvider,
  ProviderOptions,
  ValidateCodeOptions,
} from './provider.js';
export type { QQOptions } from './qq.js';
export { QQ } from './qq.js';
export type {
  CallbackParams,
  IssuedState,
  SignedStateOptions,
  StateBinding,
  StoredStateOptions,
  VerifiedState,
} from './state.js';
// State, PKCE, callbacks.
export {
  createCodeVerifierNonce,
  createS256CodeChallenge,
  generateCodeVerifier,
  generateNonce,
  generateState,
  parseCallback,
  SignedOAuthState,
  StoredOAuthState,
} from './state.js';
export type { OAuthTokenFields } from './tokens.js';
export { OAuthTokens } from './tokens.js';
export type { WeChatOptions, WeChatPlatform } from './wechat.js';
export { WeChat } from './wechat.js';
export type { WeChatApiRequest, WeChatAppTokenOptions } from './wechat-app-token.js';
export { WeChatAppToken } from './wechat-app-token.js';
export type { WeComOptions } from './wecom.js';
export { WECOM_OPENID_PREFIX, WeCom } from './wecom.js';
export type { WeComApiRequest, WeComAppTokenOptions } from './wecom-app-token.js';
export { WeComAppToken } from './wecom-app-token.js';
export type { WeiboOptions } from './weibo.js';
export { Weibo } from './weibo.js';
