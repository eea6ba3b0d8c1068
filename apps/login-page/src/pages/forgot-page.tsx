import { useState } from 'preact/hooks';
import { useApp } from '../app-context.js';
import { type Channel, ContactCode, type SentCode } from '../components/contact-code.js';
import { Field } from '../components/field.js';
import { PageHeading } from '../components/page-heading.js';
import { type Tab, Tabs } from '../components/tabs.js';
import { useI18n } from '../i18n/i18n-context.js';
import { pageUrl } from '../routes.js';

/**
 * `/login/forgot[?interaction=ID]`: a PASSWORD_RESET code to the phone or email, then the new
 * password (`POST /auth/v1/verification` → `/verification/verify` → `POST /auth/v1/reset`, as the
 * page's own client). Every session of the user ends on success; the link goes back to sign-in.
 */
export function ForgotPage({ interaction }: { interaction?: string | undefined }) {
  const { api } = useApp();
  const { t, locale } = useI18n();
  const tabs: Tab<Channel>[] = [
    { key: 'sms', label: t('signin.tab.sms') },
    { key: 'email', label: t('signin.tab.email') },
  ];
  const [channel, setChannel] = useState<Channel>('sms');
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  // The code, once verified, is a token the server keeps until a reset succeeds: a password the
  // policy refuses must not spend the code (a second verify of it would fail).
  const [verified, setVerified] = useState<{ verificationId: string; code: string; token: string } | null>(
    null,
  );
  const title = t('forgot.title');

  const submit = async (sent: SentCode) => {
    if (password === '') {
      document.getElementById('forgot-new-password')?.focus();
      throw { error: 'required' };
    }
    let token =
      verified?.verificationId === sent.verificationId && verified.code === sent.code ? verified.token : null;
    if (token === null) {
      token = await api.verifyCode(sent.verificationId, sent.code);
      setVerified({ verificationId: sent.verificationId, code: sent.code, token });
    }
    await api.resetPassword(sent.contact, token, password);
    setDone(true);
  };

  return (
    <>
      <PageHeading title={title}>{title}</PageHeading>
      {done ? (
        <p role="status">{t('forgot.done')}</p>
      ) : (
        <>
          <p>{t('forgot.intro')}</p>
          <Tabs id="forgot" label={title} tabs={tabs} selected={channel} onSelect={setChannel}>
            <ContactCode
              key={channel}
              id={`forgot-${channel}`}
              channel={channel}
              send={(contact, captcha) => api.sendResetCode(contact, locale, captcha)}
              onSubmit={submit}
              submitLabel={t('forgot.submit')}
            >
              <Field
                id="forgot-new-password"
                label={t('field.new_password')}
                type="password"
                value={password}
                onValue={setPassword}
                hint={t('field.password_hint')}
                autoComplete="new-password"
                required
              />
            </ContactCode>
          </Tabs>
        </>
      )}
      <p class="links">
        <a href={pageUrl('sign-in', interaction)}>{t('common.back_to_sign_in')}</a>
      </p>
    </>
  );
}
