import { useState } from 'preact/hooks';
import { useApp } from '../app-context.js';
import { errorCode, errorMessage } from '../error-message.js';
import { useI18n } from '../i18n/i18n-context.js';
import type { InteractionResult, InteractionView } from '../interaction-types.js';
import { pageUrl } from '../routes.js';
import { Alert } from './alert.js';
import { type Channel, ContactCode, type SentCode } from './contact-code.js';
import { Field } from './field.js';
import { SocialButtons } from './social-buttons.js';
import { type Tab, Tabs } from './tabs.js';
import { useCaptcha } from './use-captcha.js';

type Method = 'password' | Channel;

/** The state `/login/signup` reads from history after a code login found no account. */
export interface VerifiedContactState {
  verified: { phone_number: string } | { email: string };
}

/**
 * The sign-in forms for one interaction: password · SMS code · email code (as `login_methods`
 * offers), social buttons, links to sign-up and forgot-password. `onResult` gets the server's answer
 * (approved with `redirect_to`, or logged in and consent still due).
 */
export function SignInCard({
  interaction,
  view,
  onResult,
  error: initialError,
}: {
  interaction: string;
  view: InteractionView;
  onResult(result: InteractionResult): void;
  error?: string | null | undefined;
}) {
  const { api, navigate } = useApp();
  const { t } = useI18n();
  const offered = new Set(view.login_methods.map((method) => method.type));
  const tabs: Tab<Method>[] = [];
  if (offered.has('password')) tabs.push({ key: 'password', label: t('signin.tab.password') });
  if (offered.has('sms')) tabs.push({ key: 'sms', label: t('signin.tab.sms') });
  if (offered.has('email')) tabs.push({ key: 'email', label: t('signin.tab.email') });
  const [method, setMethod] = useState<Method>(tabs[0]?.key ?? 'password');
  const [noAccount, setNoAccount] = useState<SentCode | null>(null);
  const csrf = view.csrf_token;

  const loginWithCode = async (sent: SentCode) => {
    setNoAccount(null);
    try {
      onResult(await api.loginWithCode(interaction, csrf, sent.verificationId, sent.code));
    } catch (failure) {
      // The code proved the address but no account has it: the same code signs up (server keeps it).
      if (errorCode(failure) === 'user_not_found') {
        setNoAccount(sent);
        return;
      }
      throw failure;
    }
  };

  const hasCodes = offered.has('sms') || offered.has('email');
  return (
    <div class="card-body">
      <Alert message={initialError} />
      {tabs.length > 0 ? (
        <Tabs id="signin" label={t('signin.tabs')} tabs={tabs} selected={method} onSelect={setMethod}>
          {method === 'password' ? (
            <PasswordForm interaction={interaction} csrf={csrf} onResult={onResult} />
          ) : (
            <ContactCode
              key={method}
              id={`signin-${method}`}
              channel={method}
              send={(contact, captcha) => api.sendCode(interaction, csrf, contact, 'SIGN_IN', captcha)}
              onSubmit={loginWithCode}
              submitLabel={t('signin.submit')}
            />
          )}
        </Tabs>
      ) : null}
      {noAccount ? (
        <div class="no-account" role="status">
          <p>
            {t('signin.no_account', {
              address:
                'phone_number' in noAccount.contact
                  ? noAccount.contact.phone_number
                  : noAccount.contact.email,
            })}
          </p>
          <button
            type="button"
            class="primary"
            onClick={() =>
              navigate(pageUrl('sign-up', interaction), {
                verified: noAccount.contact,
              } satisfies VerifiedContactState)
            }
          >
            {t('signin.create_account')}
          </button>
        </div>
      ) : null}
      <SocialButtons interaction={interaction} csrf={csrf} methods={view.login_methods} />
      <div class="links">
        {hasCodes ? <a href={pageUrl('sign-up', interaction)}>{t('signin.create_account')}</a> : null}
        {offered.has('password') && hasCodes ? (
          <a href={pageUrl('forgot', interaction)}>{t('signin.forgot')}</a>
        ) : null}
      </div>
    </div>
  );
}

function PasswordForm({
  interaction,
  csrf,
  onResult,
}: {
  interaction: string;
  csrf: string;
  onResult(result: InteractionResult): void;
}) {
  const { api } = useApp();
  const { t } = useI18n();
  const { container, guarded } = useCaptcha();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    const name = username.normalize('NFKC').trim();
    if (name === '' || password === '') {
      setError(t('err.required'));
      document.getElementById(name === '' ? 'signin-username' : 'signin-password')?.focus();
      return;
    }
    setBusy(true);
    try {
      onResult(await guarded('password', (captcha) => api.login(interaction, csrf, name, password, captcha)));
    } catch (failure) {
      // The interaction's password check is the password grant's, which says invalid_grant.
      setError(
        errorCode(failure) === 'invalid_grant'
          ? t('err.invalid_username_or_password')
          : errorMessage(t, failure),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form" onSubmit={submit} noValidate>
      <Field
        id="signin-username"
        label={t('field.username')}
        value={username}
        onValue={setUsername}
        autoComplete="username"
        autoCapitalize="off"
        spellcheck={false}
        required
        invalid={error !== null}
        errorId="signin-password-error"
      />
      <Field
        id="signin-password"
        label={t('field.password')}
        type="password"
        value={password}
        onValue={setPassword}
        autoComplete="current-password"
        required
        invalid={error !== null}
        errorId="signin-password-error"
      />
      <div ref={container} class="captcha" />
      <Alert message={error} id="signin-password-error" />
      <button type="submit" class="primary" disabled={busy}>
        {t('signin.submit')}
      </button>
    </form>
  );
}
