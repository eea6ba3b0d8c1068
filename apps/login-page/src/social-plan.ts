import type { LoginMethod } from './interaction-types.js';
import type { BrowserKind } from './user-agent.js';

/** How one social button behaves in this browser. */
export type SocialAction =
  /** Full navigation to the server's `redirect_to` (every platform but WeChat QR; in-WeChat flow). */
  | 'navigate'
  /** WeChat website QR inside our iframe (desktop). */
  | 'wechat-qr'
  /** WeChat QR on a phone outside WeChat: explain, offer the QR anyway. */
  | 'wechat-mobile-fallback';

export interface SocialButton {
  method: LoginMethod & { provider_id: string };
  action: SocialAction;
}

function isWeChat(method: LoginMethod): boolean {
  return (
    method.platform === 'wechat' ||
    (method.platform === undefined && /^wechat|^wx/i.test(method.provider_id ?? ''))
  );
}

/**
 * The social buttons to show (login-ui.md §C): inside WeChat, the official-account provider (`flow:
 * 'in-wechat'`) and never the QR one (qrconnect does not work there); elsewhere never the
 * official-account one (it only works inside WeChat); the QR one framed on desktops, explained on
 * phones. Inside WeChat with no official-account provider, the QR one stays, with the fallback text.
 */
export function socialButtons(methods: readonly LoginMethod[], kind: BrowserKind): SocialButton[] {
  const providers = methods.filter(
    (method): method is LoginMethod & { provider_id: string } =>
      method.type === 'provider' && typeof method.provider_id === 'string',
  );
  const hasInWeChat = providers.some((method) => isWeChat(method) && method.flow === 'in-wechat');
  const buttons: SocialButton[] = [];
  for (const method of providers) {
    if (!isWeChat(method)) {
      buttons.push({ method, action: 'navigate' });
      continue;
    }
    if (method.flow === 'in-wechat') {
      if (kind === 'wechat') buttons.push({ method, action: 'navigate' });
      continue;
    }
    if (kind === 'wechat') {
      if (!hasInWeChat) buttons.push({ method, action: 'wechat-mobile-fallback' });
      continue;
    }
    buttons.push({ method, action: kind === 'desktop' ? 'wechat-qr' : 'wechat-mobile-fallback' });
  }
  return buttons;
}

/** The platforms the token server knows, with the display name it gives when none is configured. */
export const PLATFORM_DEFAULT_NAMES: Record<string, string> = {
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

/**
 * What a button calls the platform: the catalogue's name (微信 in Chinese) when the server sent
 * its own default for a known platform, else the name as configured (an operator's "Acme SSO" stays).
 */
export function platformLabel(
  method: LoginMethod,
  localized: (platform: string) => string | undefined,
): string {
  const fallback = method.name ?? method.provider_id ?? '';
  const platform = method.platform;
  if (platform === undefined || !(platform in PLATFORM_DEFAULT_NAMES)) return fallback;
  if (method.name !== undefined && method.name !== PLATFORM_DEFAULT_NAMES[platform]) return fallback;
  return localized(platform) ?? fallback;
}
