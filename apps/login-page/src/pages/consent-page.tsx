import { useState } from 'preact/hooks';
import { useApp } from '../app-context.js';
import { Alert } from '../components/alert.js';
import { PageHeading } from '../components/page-heading.js';
import { errorCode, errorMessage } from '../error-message.js';
import { useI18n } from '../i18n/i18n-context.js';
import type { InteractionView } from '../interaction-types.js';
import { scopeText } from '../scope-text.js';

/** "Authorize {client}": what it asks for, Allow / Deny. */
export function ConsentPage({
  interaction,
  view,
  onLoginRequired,
}: {
  interaction: string;
  view: InteractionView;
  /** The server wants a (fresh) login first: back to the sign-in forms. */
  onLoginRequired?: () => void;
}) {
  const { api, leave } = useApp();
  const { t } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [denied, setDenied] = useState(false);
  const [approved, setApproved] = useState(false);
  const client = view.client.name;
  const title = t('consent.title', { client });

  const answer = async (allow: boolean) => {
    setError(null);
    setBusy(true);
    try {
      const result = allow
        ? await api.consent(interaction, view.csrf_token)
        : await api.deny(interaction, view.csrf_token);
      if (result.redirect_to) {
        leave(result.redirect_to, true);
        return;
      }
      // A device interaction has nowhere to go back to: the device's next poll gets its tokens.
      if (allow) setApproved(true);
      else setDenied(true);
    } catch (failure) {
      // This browser's sign-in ended meanwhile (another user, expired, max_age): sign in again.
      if (errorCode(failure) === 'login_required' && onLoginRequired) {
        onLoginRequired();
        return;
      }
      setError(errorMessage(t, failure));
    } finally {
      setBusy(false);
    }
  };

  if (approved) {
    return (
      <>
        <PageHeading title={t('device.done_title')}>{t('device.done_title')}</PageHeading>
        <p role="status">{t('device.done')}</p>
      </>
    );
  }
  if (denied) {
    return (
      <>
        <PageHeading title={title}>{title}</PageHeading>
        <p role="status">{t('consent.denied')}</p>
      </>
    );
  }
  const who = view.user?.name ?? view.user?.username;
  return (
    <>
      <PageHeading title={title}>{title}</PageHeading>
      {who ? <p class="subtitle">{t('consent.signed_in_as', { name: who })}</p> : null}
      <p>{t('consent.intro', { client })}</p>
      <ul class="scopes">
        {view.scopes.map((scope) => (
          <li key={scope}>{scopeText(t, scope)}</li>
        ))}
      </ul>
      {view.client.first_party ? null : <p class="warning">{t('consent.third_party', { client })}</p>}
      <Alert message={error} />
      <div class="actions">
        <button type="button" class="secondary" disabled={busy} onClick={() => answer(false)}>
          {t('consent.deny')}
        </button>
        <button type="button" class="primary" disabled={busy} onClick={() => answer(true)}>
          {t('consent.allow')}
        </button>
      </div>
    </>
  );
}
