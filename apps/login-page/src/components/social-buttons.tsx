import { useState } from 'preact/hooks';
import { useApp } from '../app-context.js';
import { errorMessage } from '../error-message.js';
import type { MessageKey } from '../i18n/en.js';
import { useI18n } from '../i18n/i18n-context.js';
import type { LoginMethod } from '../interaction-types.js';
import { platformLabel, type SocialButton, socialButtons } from '../social-plan.js';
import { browserKind } from '../user-agent.js';
import { frameAllowed, wechatQrFrameUrl } from '../wechat-url.js';
import { Alert } from './alert.js';
import { WeChatQr } from './wechat-qr.js';

/** "Continue with {name}" per configured platform, each doing what works in this browser. */
export function SocialButtons({
  interaction,
  csrf,
  methods,
}: {
  interaction: string;
  csrf: string;
  methods: LoginMethod[];
}) {
  const { api, config, leave, userAgent } = useApp();
  const { t } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [fallback, setFallback] = useState<SocialButton | null>(null);
  const [busy, setBusy] = useState(false);
  const buttons = socialButtons(methods, browserKind(userAgent));
  if (buttons.length === 0) return null;

  const start = async (button: SocialButton, forceQr = false) => {
    setError(null);
    if (button.action === 'wechat-mobile-fallback' && !forceQr) {
      setFallback(button);
      return;
    }
    setBusy(true);
    try {
      const redirectTo = await api.startProvider(interaction, csrf, button.method.provider_id);
      const framed = wechatQrFrameUrl(redirectTo);
      if (button.action !== 'navigate' && frameAllowed(framed, config.wechat_origins)) {
        setFallback(null);
        setQr(framed);
      } else {
        // Not a framable origin (the CSP would refuse it): WeChat's QR page works full-window too.
        leave(redirectTo);
      }
    } catch (failure) {
      setError(errorMessage(t, failure));
    } finally {
      setBusy(false);
    }
  };

  const name = (button: SocialButton) =>
    platformLabel(button.method, (platform) => t(`platform.${platform}` as MessageKey));
  return (
    <section class="social" aria-labelledby="social-title">
      <h2 id="social-title" class="divider">
        <span>{t('signin.social')}</span>
      </h2>
      {qr ? (
        <WeChatQr src={qr} onClose={() => setQr(null)} />
      ) : (
        <ul class="social-list">
          {buttons.map((button) => (
            <li key={button.method.provider_id}>
              <button
                type="button"
                class={`social-button platform-${button.method.platform ?? 'other'}`}
                disabled={busy}
                onClick={() => start(button)}
              >
                {t('signin.continue_with', { name: name(button) })}
              </button>
            </li>
          ))}
        </ul>
      )}
      {fallback && !qr ? (
        <div class="fallback">
          <p>{t('wechat.mobile_fallback')}</p>
          <button type="button" class="link-button" onClick={() => start(fallback, true)}>
            {t('wechat.show_qr')}
          </button>
        </div>
      ) : null}
      <Alert message={error} />
    </section>
  );
}
