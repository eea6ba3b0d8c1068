import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Contact } from '../api.js';
import { normalizeCode, normalizeEmail, normalizePhone } from '../code-input.js';
import { errorMessage } from '../error-message.js';
import { useI18n } from '../i18n/i18n-context.js';
import type { SendCodeResult } from '../interaction-types.js';
import { Alert } from './alert.js';
import { Field } from './field.js';
import { useCaptcha } from './use-captcha.js';
import { useCountdown } from './use-countdown.js';

export type Channel = 'sms' | 'email';

/** What the server's answer says about resending: ours (`resend_after_seconds`), else CloudBase's 60 s. */
export function resendAfterSeconds(answer: SendCodeResult): number {
  const seconds = answer.resend_after_seconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : 60;
}

export function contactOf(channel: Channel, value: string): Contact {
  return channel === 'sms' ? { phone_number: normalizePhone(value) } : { email: normalizeEmail(value) };
}

export interface SentCode {
  verificationId: string;
  contact: Contact;
  /** The code, already NFKC-normalized to ASCII digits. */
  code: string;
}

/**
 * The address field, "Send code", the ONE code field and the countdown — shared by sign-in, sign-up
 * and forgot-password. The code field is a single real input (`autocomplete="one-time-code"`,
 * `inputmode="numeric"`, no `maxLength`: iOS autofill and a pasted message both work; dailydotdev
 * #6421), normalized as it is typed except mid-IME-composition.
 */
export function ContactCode(props: {
  id: string;
  channel: Channel;
  send(contact: Contact, captcha?: string): Promise<SendCodeResult>;
  /** Called with the verified-to-be code on submit; its error is shown here. */
  onSubmit(sent: SentCode): Promise<void>;
  submitLabel: string;
  children?: ComponentChildren;
}) {
  const { id, channel, send, onSubmit, submitLabel, children } = props;
  const { t } = useI18n();
  const { container, guarded } = useCaptcha();
  const [address, setAddress] = useState('');
  const [code, setCode] = useState('');
  const [sent, setSent] = useState<{
    verificationId: string;
    contact: Contact;
    shown: string;
    cooldown: number;
  } | null>(null);
  const [resendAt, setResendAt] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const seconds = useCountdown(resendAt);
  const errorId = `${id}-error`;

  const sendCode = async () => {
    setError(null);
    if (address.trim() === '') {
      setError(t('err.required'));
      document.getElementById(`${id}-address`)?.focus();
      return;
    }
    const contact = contactOf(channel, address);
    setBusy(true);
    try {
      const answer = await guarded('verification', (captcha) => send(contact, captcha));
      const shown = 'phone_number' in contact ? contact.phone_number : contact.email;
      const cooldown = resendAfterSeconds(answer);
      setSent({ verificationId: answer.verification_id, contact, shown, cooldown });
      setResendAt(Date.now() + cooldown * 1_000);
      document.getElementById(`${id}-code`)?.focus();
    } catch (failure) {
      setError(errorMessage(t, failure));
      // A resend refused by the cooldown (another tab sent one, or a reload): count down the wait
      // the server named (`Retry-After`) rather than let the person guess.
      const wait = (failure as { retryAfter?: unknown }).retryAfter;
      if (typeof wait === 'number' && wait > 0 && wait <= 3_600) setResendAt(Date.now() + wait * 1_000);
    } finally {
      setBusy(false);
    }
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    if (!sent) {
      await sendCode();
      return;
    }
    const digits = normalizeCode(code);
    if (digits === '') {
      setError(t('err.code_format'));
      document.getElementById(`${id}-code`)?.focus();
      return;
    }
    setBusy(true);
    try {
      await onSubmit({ verificationId: sent.verificationId, contact: sent.contact, code: digits });
    } catch (failure) {
      setError(errorMessage(t, failure));
    } finally {
      setBusy(false);
    }
  };

  const addressLabel = channel === 'sms' ? t('field.phone') : t('field.email');
  return (
    <form class="form" onSubmit={submit} noValidate>
      <Field
        id={`${id}-address`}
        label={addressLabel}
        value={address}
        onValue={(value) => {
          setAddress(value);
          // Another address: the code sent before is not for it (and its cooldown is the old one's).
          if (sent && JSON.stringify(contactOf(channel, value)) !== JSON.stringify(sent.contact)) {
            setSent(null);
            setResendAt(null);
          }
        }}
        hint={channel === 'sms' ? t('field.phone_hint') : undefined}
        {...(channel === 'sms'
          ? { type: 'tel', autoComplete: 'tel', inputMode: 'tel' }
          : { type: 'email', autoComplete: 'email', inputMode: 'email' })}
        autoCapitalize="off"
        spellcheck={false}
        required
      />
      <div class="send-row">
        <button type="button" class="secondary" onClick={sendCode} disabled={busy || seconds > 0}>
          {sent ? t('code.resend') : t('code.send')}
        </button>
      </div>
      {/* Read out twice, not every second: when the code is sent (with the whole wait) and when a
          resend is possible. The ticking number is for the eyes only. */}
      <p class="hint countdown" aria-live="polite">
        {sent ? (
          <>
            {t('code.sent', { address: sent.shown })}{' '}
            {seconds > 0 ? (
              <>
                <span aria-hidden="true">{t('code.resend_in', { seconds })}</span>
                <span class="visually-hidden">{t('code.resend_in', { seconds: sent.cooldown })}</span>
              </>
            ) : (
              t('code.resend_ready')
            )}
          </>
        ) : seconds > 0 ? (
          <span aria-hidden="true">{t('code.resend_in', { seconds })}</span>
        ) : null}
      </p>
      <div class="field">
        <label for={`${id}-code`}>{t('field.code')}</label>
        <input
          id={`${id}-code`}
          name="code"
          type="text"
          autoComplete="one-time-code"
          inputMode="numeric"
          autoCapitalize="off"
          spellcheck={false}
          class="code"
          value={code}
          aria-describedby={`${id}-code-hint`}
          aria-invalid={error !== null && sent !== null ? 'true' : undefined}
          onInput={(event) => {
            const input = event.currentTarget;
            // Mid-composition the IME owns the value; normalize once it commits.
            if ((event as InputEvent).isComposing) {
              setCode(input.value);
              return;
            }
            const digits = normalizeCode(input.value);
            // Set on the element too: when the digits did not change (a letter typed), no
            // re-render would take the letter out.
            if (input.value !== digits) input.value = digits;
            setCode(digits);
          }}
          onCompositionEnd={(event) => {
            const digits = normalizeCode(event.currentTarget.value);
            event.currentTarget.value = digits;
            setCode(digits);
          }}
        />
        <p class="hint" id={`${id}-code-hint`}>
          {t('field.code_hint')}
        </p>
      </div>
      {children}
      <div ref={container} class="captcha" />
      <Alert message={error} id={errorId} />
      <button type="submit" class="primary" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}
