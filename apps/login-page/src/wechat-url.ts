/**
 * The URL of WeChat's QR login inside our own iframe, built from the server's `redirect_to`
 * (`…/connect/qrconnect?appid=…&redirect_uri=…&state=…#wechat_redirect`) the way `wxLogin.js`
 * builds it — so the page never loads WeChat's script (the CSP allows no foreign script):
 * `login_type=jssdk` asks for the embeddable page, `self_redirect=default` lets it navigate the
 * top window to our callback on approval (as `wxLogin.js` does with its default).
 *
 * The existing query is kept byte for byte (re-serializing it through URLSearchParams would
 * re-encode `redirect_uri`); any earlier `login_type` / `self_redirect` is replaced.
 */
export function wechatQrFrameUrl(redirectTo: string): string {
  const hashAt = redirectTo.indexOf('#');
  const hash = hashAt === -1 ? '' : redirectTo.slice(hashAt);
  const beforeHash = hashAt === -1 ? redirectTo : redirectTo.slice(0, hashAt);
  const queryAt = beforeHash.indexOf('?');
  const base = queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt);
  const query = queryAt === -1 ? '' : beforeHash.slice(queryAt + 1);
  const kept = query
    .split('&')
    .filter((pair) => pair !== '' && !/^(login_type|self_redirect)(=|$)/.test(pair));
  kept.push('login_type=jssdk', 'self_redirect=default');
  return `${base}?${kept.join('&')}${hash}`;
}

/** Whether a URL may be framed: https (or the configured origins, e.g. the sandbox in tests). */
export function frameAllowed(url: string, allowedOrigins: readonly string[]): boolean {
  try {
    const { origin } = new URL(url);
    return allowedOrigins.includes(origin);
  } catch {
    return false;
  }
}
