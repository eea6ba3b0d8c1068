import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../app-context.js';
import { Alert } from '../components/alert.js';
import { PageHeading } from '../components/page-heading.js';
import { errorMessage } from '../error-message.js';
import { useI18n } from '../i18n/i18n-context.js';
import { callbackUrl, startOwnAuthorize, takePending } from '../own-app.js';
import { BASE } from '../routes.js';

/** `/login` without an interaction: signed in → the account page; else a PKCE authorize. */
export function OwnAppPage() {
  const { api, config, leave, navigate } = useApp();
  const { t } = useI18n();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    (async () => {
      if (await api.client.getCredentials()) {
        navigate(`${BASE}/account`, null, true);
        return;
      }
      // Replace: Back from the sign-in page must not land here and be sent forward again.
      leave(await startOwnAuthorize(api.client, config, location.origin, sessionStorage), true);
    })().catch((failure: unknown) => setError(errorMessage(t, failure)));
  }, []);
  if (!error) return <p class="loading">{t('common.loading')}</p>;
  return (
    <>
      <PageHeading title={t('error.title')}>{t('error.title')}</PageHeading>
      <Alert message={error} />
    </>
  );
}

/** `/login/callback?code&state` (or `?error=`): exchange the code, then the account page. */
export function CallbackPage(props: {
  code?: string;
  state?: string;
  error?: string;
  errorDescription?: string;
}) {
  const { api, navigate } = useApp();
  const { t } = useI18n();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    // The code is single use and short-lived, but still: out of the address bar and history now.
    history.replaceState(null, '', `${BASE}/callback`);
    const pending = takePending(sessionStorage, props.state);
    if (props.error) {
      setError(errorMessage(t, { error: props.error, description: props.errorDescription }));
      return;
    }
    if (!pending || !props.code) {
      setError(t('callback.bad_state'));
      return;
    }
    api.client
      .exchangeCode({
        code: props.code,
        redirectUri: callbackUrl(location.origin),
        codeVerifier: pending.verifier,
      })
      .then(
        () => navigate(`${BASE}/account`, null, true),
        (failure: unknown) => setError(errorMessage(t, failure)),
      );
  }, []);
  if (!error) return <p class="loading">{t('callback.working')}</p>;
  return (
    <>
      <PageHeading title={t('error.title')}>{t('error.title')}</PageHeading>
      <Alert message={error} />
      <a class="button primary" href={BASE}>
        {t('error.start_again')}
      </a>
    </>
  );
}

export function NotFoundPage() {
  const { t } = useI18n();
  return (
    <>
      <PageHeading title={t('error.title')}>{t('error.title')}</PageHeading>
      <p>{t('error.no_page')}</p>
      <a href={BASE}>{t('signin.title')}</a>
    </>
  );
}
