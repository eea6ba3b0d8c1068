/**
 * The token server's answers as the page reads them: the wire types are `@lingpai/auth-client`'s
 * (one declaration of the interaction API), the page's own config beside them.
 */
import type { InteractionView, VerificationResponse } from '@lingpai/auth-client';

export type {
  DeviceInteractionView,
  InteractionResult,
  InteractionView,
  LoginMethod,
} from '@lingpai/auth-client';
export type InteractionUser = NonNullable<InteractionView['user']>;
/** `POST …/verification` (ours: `resend_after_seconds`). */
export type SendCodeResult = VerificationResponse;

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
