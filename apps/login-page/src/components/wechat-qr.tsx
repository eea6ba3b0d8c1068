import { useI18n } from '../i18n/i18n-context.js';

/**
 * WeChat's QR page in our own iframe (the URL built by `wechatQrFrameUrl`, never `wxLogin.js`).
 * On approval WeChat navigates the top window to the server's callback (`self_redirect=default`),
 * hence `allow-top-navigation`; the sandbox attributes are the ones `wxLogin.js` uses, plus
 * `allow-same-origin` so the QR page keeps its own (WeChat's) origin and cookies — harmless for a
 * frame of another origin. The CSP's `frame-src` lists the configured WeChat origins only.
 */
export function WeChatQr({ src, onClose }: { src: string; onClose(): void }) {
  const { t } = useI18n();
  return (
    <section class="wechat-qr" aria-labelledby="wechat-qr-title">
      <h2 id="wechat-qr-title">{t('wechat.scan_title')}</h2>
      <p class="hint">{t('wechat.scan_hint')}</p>
      <iframe
        src={src}
        title={t('wechat.frame_title')}
        class="wechat-frame"
        sandbox="allow-scripts allow-same-origin allow-top-navigation allow-forms allow-popups"
        referrerpolicy="no-referrer"
      />
      <button type="button" class="link-button" onClick={onClose}>
        {t('wechat.close')}
      </button>
    </section>
  );
}
