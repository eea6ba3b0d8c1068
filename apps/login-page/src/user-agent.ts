/** Which WeChat flow a browser can run (login-ui.md §C.1, §C.3). */
export type BrowserKind = 'wechat' | 'mobile' | 'desktop';

/**
 * - `wechat`: WeChat's own browser (UA `MicroMessenger`; WeCom adds `wxwork`) — only the
 *   official-account flow works there; qrconnect does not.
 * - `mobile`: any other phone or tablet browser — neither flow runs well (a QR on the phone that
 *   should scan it), so the page explains and offers other methods.
 * - `desktop`: the QR flow.
 */
export function browserKind(userAgent: string): BrowserKind {
  if (/MicroMessenger/i.test(userAgent)) return 'wechat';
  if (/Android|iPhone|iPad|iPod|Mobile|HarmonyOS|Windows Phone/i.test(userAgent)) return 'mobile';
  return 'desktop';
}
