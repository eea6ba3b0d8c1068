/**
 * What the token server's interaction API answers (apps/token-server/src/routes/interaction-routes.ts,
 * login-methods.ts), as far as the page reads it. Declared here too, not only in auth-client, so the
 * page's pure logic and tests stand on their own.
 */
export interface LoginMethod {
  type: 'password' | 'sms' | 'email' | 'provider';
  provider_id?: string;
  name?: string;
  /** e.g. `wechat`, `github` (the social platform). */
  platform?: string;
  /** WeChat: `qr` (website app, desktop) or `in-wechat` (official account, inside WeChat's browser). */
  flow?: 'qr' | 'in-wechat';
}

export interface InteractionUser {
  sub: string;
  username?: string;
  name?: string;
  picture?: string;
}

export interface InteractionView {
  kind: 'authorize' | 'device';
  client: { id: string; name: string; first_party: boolean };
  scopes: string[];
  needs_login: boolean;
  needs_consent: boolean;
  user?: InteractionUser;
  user_code?: string;
  expires_in: number;
  login_methods: LoginMethod[];
  csrf_token: string;
}

export interface DeviceInteractionView extends InteractionView {
  interaction: string;
}

export interface InteractionResult {
  status: 'logged_in' | 'approved' | 'denied' | 'aborted';
  redirect_to?: string;
  needs_consent?: boolean;
  user?: InteractionUser;
}

export interface SendCodeResult {
  verification_id: string;
  expires_in: number;
  is_user?: boolean;
  resend_after_seconds?: number;
}

/** The page's `/login/config.json` (served by the token server). */
export interface PageConfig {
  issuer: string;
  env_id?: string;
  client_id: string;
  scope: string;
  show_tokens: boolean;
  cross_tab: boolean;
  wechat_origins: string[];
  /** A same-origin ES module that solves a captcha (README, "Captcha hook"); optional. */
  captcha_module?: string;
}
