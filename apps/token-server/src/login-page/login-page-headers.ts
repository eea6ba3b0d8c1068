import type { FastifyReply } from 'fastify';

/**
 * The page's Content-Security-Policy. Everything is refused unless named:
 * - `script-src 'self'`, `style-src 'self'`: the page is Vite's hashed files, no inline script or
 *   style at all — an injected `<script>` or `style=` attribute does not run;
 * - `img-src 'self' data:` plus the WeChat origins (the QR page's images, inlined icons);
 * - `connect-src 'self'`: the page talks only to this server;
 * - `frame-src`: only the WeChat origins, for the embedded QR (`qrconnect?login_type=jssdk`);
 *   `'none'` when no WeChat website login is configured;
 * - `form-action 'self'`, `base-uri 'none'`: an injected form or `<base>` cannot send anything away;
 * - `frame-ancestors 'none'`: nobody frames the sign-in (clickjacking; `X-Frame-Options: DENY` for
 *   browsers without CSP 2).
 */
export function loginPageCsp(wechatOrigins: readonly string[]): string {
  const origins = wechatOrigins.join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data:${origins ? ` ${origins}` : ''}`,
    "connect-src 'self'",
    `frame-src ${origins || "'none'"}`,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The headers of every answer under `/login` (`x-content-type-options: nosniff` comes from the
 * global security hook). `no-referrer`: the page's URLs carry an interaction id or, on
 * `/login/callback`, an authorization code, which must not leak to the WeChat frame or any link.
 * `same-origin` opener policy: a window the page opens (or that opened it) cannot script it.
 */
export function setLoginPageHeaders(reply: FastifyReply, csp: string): void {
  reply
    .header('content-security-policy', csp)
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin');
}
