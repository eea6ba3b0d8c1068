import { useEffect, useState } from 'preact/hooks';
import type { Contact, SignUpFields } from '../api.js';
import { useApp } from '../app-context.js';
import { Alert } from '../components/alert.js';
import { type Channel, ContactCode, type SentCode } from '../components/contact-code.js';
import { Field } from '../components/field.js';
import { PageHeading } from '../components/page-heading.js';
import type { VerifiedContactState } from '../components/sign-in-card.js';
import { type Tab, Tabs } from '../components/tabs.js';
import { errorCode, errorMessage } from '../error-message.js';
import { useI18n } from '../i18n/i18n-context.js';
import type { InteractionResult, InteractionView } from '../interaction-types.js';
import { BASE, pageUrl } from '../routes.js';

/**
 * `/login/signup?interaction=ID`: phone or email proven by a code (usage REGISTER), username,
 * password and name optional (the server's password policy applies when one is given). After a
 * code login that found no account, history carries the verified address and no new code is needed.
 */
export function SignUpPage({ interaction }: { interaction?: string | undefined }) {
  const { api, leave, navigate } = useApp();
  const { t } = useI18n();
  const [view, setView] = useState<InteractionView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const verified = (history.state as Partial<VerifiedContactState> | null)?.verified;

  useEffect(() => {
    // Sign-up belongs to an interaction; without one, the page's own app starts one.
    if (interaction === undefined) {
      leave(BASE, true);
      return;
    }
    api.describe(interaction).then(setView, (failure) => setError(errorMessage(t, failure)));
  }, [interaction]);

  const title = t('signup.title');
  if (error) {
    return (
      <>
        <PageHeading title={title}>{title}</PageHeading>
        <Alert message={error} />
      </>
    );
  }
  if (!view || interaction === undefined) return <p class="loading">{t('common.loading')}</p>;

  const onResult = (result: InteractionResult) => {
    if (result.redirect_to) leave(result.redirect_to, true);
    // Logged in, consent due: the sign-in route shows it.
    else navigate(pageUrl('sign-in', interaction));
  };
  return (
    <>
      <PageHeading title={title}>{title}</PageHeading>
      <p class="subtitle">{t('signin.to_client', { client: view.client.name })}</p>
      {verified ? (
        <VerifiedSignUp
          interaction={interaction}
          csrf={view.csrf_token}
          contact={verified}
          onResult={onResult}
        />
      ) : (
        <CodeSignUp interaction={interaction} view={view} onResult={onResult} />
      )}
      <p class="links">
        {t('signup.have_account')} <a href={pageUrl('sign-in', interaction)}>{t('signin.title')}</a>
      </p>
    </>
  );
}

function OptionalFields({ fields, set }: { fields: SignUpFields; set(next: SignUpFields): void }) {
  const { t } = useI18n();
  return (
    <>
      <Field
        id="signup-username"
        label={t('field.new_username')}
        optional={t('common.optional')}
        value={fields.username ?? ''}
        onValue={(username) => set({ ...fields, username })}
        autoComplete="username"
        autoCapitalize="off"
        spellcheck={false}
      />
      <Field
        id="signup-password"
        label={t('field.password')}
        optional={t('common.optional')}
        type="password"
        value={fields.password ?? ''}
        onValue={(password) => set({ ...fields, password })}
        hint={t('field.password_hint')}
        autoComplete="new-password"
      />
      <Field
        id="signup-name"
        label={t('field.name')}
        optional={t('common.optional')}
        value={fields.name ?? ''}
        onValue={(name) => set({ ...fields, name })}
        autoComplete="nickname"
      />
    </>
  );
}

/** Refusals that come before the server has accepted the code (so the next try must send it again). */
const CODE_NOT_PROVEN = new Set([
  'invalid_verification_code',
  'rate_limit_exceeded',
  'unreachable',
  'timeout',
  'temporarily_unavailable',
  'interaction_expired',
]);

/** Only the fields the user filled in, NFKC'd where they are identifiers. */
function filled(fields: SignUpFields): SignUpFields {
  const out: SignUpFields = {};
  const username = fields.username?.normalize('NFKC').trim();
  const name = fields.name?.trim();
  if (username) out.username = username;
  if (fields.password) out.password = fields.password;
  if (name) out.name = name;
  return out;
}

function CodeSignUp({
  interaction,
  view,
  onResult,
}: {
  interaction: string;
  view: InteractionView;
  onResult(result: InteractionResult): void;
}) {
  const { api } = useApp();
  const { t } = useI18n();
  const offered = new Set(view.login_methods.map((method) => method.type));
  const tabs: Tab<Channel>[] = [];
  if (offered.has('sms')) tabs.push({ key: 'sms', label: t('signin.tab.sms') });
  if (offered.has('email')) tabs.push({ key: 'email', label: t('signin.tab.email') });
  const [channel, setChannel] = useState<Channel>(tabs[0]?.key ?? 'sms');
  const [fields, setFields] = useState<SignUpFields>({});
  const csrf = view.csrf_token;
  // Once the server has verified a code it keeps the proof in the interaction: a sign-up refused
  // after that (a taken username, a weak password) is retried without the code, which is spent.
  const [proven, setProven] = useState<{ verificationId: string; code: string } | null>(null);
  const submit = async (sent: SentCode) => {
    const reuse = proven?.verificationId === sent.verificationId && proven.code === sent.code;
    try {
      onResult(
        await api.signUp(interaction, csrf, sent.contact, {
          ...filled(fields),
          ...(reuse ? {} : { verification_id: sent.verificationId, verification_code: sent.code }),
        }),
      );
    } catch (failure) {
      const code = errorCode(failure);
      if (!reuse && !CODE_NOT_PROVEN.has(code)) {
        setProven({ verificationId: sent.verificationId, code: sent.code });
      }
      // "prove the address first": the server kept no proof after all; send the code next time.
      if (reuse && code === 'invalid_request') setProven(null);
      throw failure;
    }
  };
  return (
    <>
      <p>{t('signup.intro')}</p>
      <Tabs id="signup" label={t('signup.title')} tabs={tabs} selected={channel} onSelect={setChannel}>
        <ContactCode
          key={channel}
          id={`signup-${channel}`}
          channel={channel}
          send={(contact, captcha) => api.sendCode(interaction, csrf, contact, 'REGISTER', captcha)}
          onSubmit={submit}
          submitLabel={t('signup.submit')}
        >
          <OptionalFields fields={fields} set={setFields} />
        </ContactCode>
      </Tabs>
    </>
  );
}

function VerifiedSignUp({
  interaction,
  csrf,
  contact,
  onResult,
}: {
  interaction: string;
  csrf: string;
  contact: Contact;
  onResult(result: InteractionResult): void;
}) {
  const { api } = useApp();
  const { t } = useI18n();
  const [fields, setFields] = useState<SignUpFields>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      onResult(await api.signUp(interaction, csrf, contact, filled(fields)));
    } catch (failure) {
      setError(errorMessage(t, failure));
    } finally {
      setBusy(false);
    }
  };
  const address = 'phone_number' in contact ? contact.phone_number : contact.email;
  return (
    <form class="form" onSubmit={submit} noValidate>
      <p>{t('signup.verified', { address })}</p>
      <OptionalFields fields={fields} set={setFields} />
      <Alert message={error} />
      <button type="submit" class="primary" disabled={busy}>
        {t('signup.submit')}
      </button>
    </form>
  );
}
