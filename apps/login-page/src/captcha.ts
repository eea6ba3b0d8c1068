/**
 * The captcha hook. The server answers `captcha_required` (4028) when a code send or a password
 * login needs a captcha token (`verification.requireCaptcha`, the password limiter); the page then
 * asks for a token and retries once with `x-captcha-token`.
 *
 * Under the strict CSP no foreign script can run, so a captcha is plugged in one of two ways:
 *
 * 1. `captcha_module` in `/login/config.json`: a same-origin ES module URL whose default export is a
 *    {@link CaptchaSolver}. The page `import()`s it on first need and gives it an element to render
 *    into. (Host it on the same origin — a vendor widget that needs its own script origin needs the
 *    CSP widened by whoever deploys it.)
 * 2. The `lingpai:captcha-required` event on `window` (a cancelable `CustomEvent` whose `detail` is a
 *    {@link CaptchaRequest}): a listener that takes it calls `event.preventDefault()` and later
 *    `detail.respond(token)` or `detail.cancel()`. Useful when the page is embedded by a host build.
 *
 * With neither, the page says a security check is needed but unavailable (`err.captcha_unavailable`).
 */
export interface CaptchaRequest {
  /** What the token will be checked for: a code send, or a password sign-in. */
  action: 'verification' | 'password';
  locale: string;
  /** An empty element in the page, below the form, the widget may render into. */
  container: HTMLElement;
  signal: AbortSignal;
  respond(token: string): void;
  cancel(): void;
}

export type CaptchaSolver = (
  request: Omit<CaptchaRequest, 'respond' | 'cancel'>,
) => Promise<string | null | undefined>;

export const CAPTCHA_EVENT = 'lingpai:captcha-required';

export interface CaptchaOptions {
  moduleUrl?: string | undefined;
  locale: string;
  container: HTMLElement;
  signal: AbortSignal;
  target?: EventTarget;
}

/** A captcha token for `action`, or null when nobody can solve one (or the user gave up). */
export async function obtainCaptchaToken(
  action: CaptchaRequest['action'],
  options: CaptchaOptions,
): Promise<string | null> {
  const { container, locale, signal } = options;
  if (options.moduleUrl) {
    const url = new URL(options.moduleUrl, location.href);
    // Same origin only: the CSP would refuse anything else anyway, and a clear refusal beats a
    // securitypolicyviolation.
    if (url.origin !== location.origin) return null;
    const loaded = (await import(/* @vite-ignore */ url.href)) as { default?: CaptchaSolver };
    if (typeof loaded.default !== 'function') return null;
    return (await loaded.default({ action, locale, container, signal })) || null;
  }
  const target = options.target ?? window;
  return new Promise<string | null>((resolve) => {
    let settled = false;
    const settle = (token: string | null) => {
      if (settled) return;
      settled = true;
      resolve(token);
    };
    signal.addEventListener('abort', () => settle(null), { once: true });
    const detail: CaptchaRequest = {
      action,
      locale,
      container,
      signal,
      respond: (token) => settle(token || null),
      cancel: () => settle(null),
    };
    const event = new CustomEvent<CaptchaRequest>(CAPTCHA_EVENT, { detail, cancelable: true });
    // dispatchEvent returns false when a listener called preventDefault(): it will answer.
    if (target.dispatchEvent(event)) settle(null);
  });
}
