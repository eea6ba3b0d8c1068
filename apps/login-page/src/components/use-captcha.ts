import { useRef } from 'preact/hooks';
import { useApp } from '../app-context.js';
import { obtainCaptchaToken } from '../captcha.js';
import { errorCode } from '../error-message.js';
import { useI18n } from '../i18n/i18n-context.js';

/** A failure the page words itself (`err.captcha_unavailable`), shaped like an AuthClientError. */
export const CAPTCHA_UNAVAILABLE = { error: 'captcha_unavailable' } as const;

/**
 * Runs `call`; on `captcha_required`, obtains a token through the captcha hook (captcha.ts) and
 * retries once with it. The returned ref goes on an empty element the widget may render into.
 */
export function useCaptcha() {
  const { config } = useApp();
  const { locale } = useI18n();
  const container = useRef<HTMLDivElement>(null);
  async function guarded<T>(
    action: 'verification' | 'password',
    call: (captcha?: string) => Promise<T>,
  ): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (errorCode(error) !== 'captcha_required' || !container.current) throw error;
      const controller = new AbortController();
      const token = await obtainCaptchaToken(action, {
        moduleUrl: config.captcha_module,
        locale,
        container: container.current,
        signal: controller.signal,
      }).finally(() => {
        if (container.current) container.current.replaceChildren();
      });
      if (token === null) throw CAPTCHA_UNAVAILABLE;
      return call(token);
    }
  }
  return { container, guarded };
}
