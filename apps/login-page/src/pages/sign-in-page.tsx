import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../app-context.js';
import { Alert } from '../components/alert.js';
import { PageHeading } from '../components/page-heading.js';
import { SignInCard } from '../components/sign-in-card.js';
import { errorMessage } from '../error-message.js';
import { useI18n } from '../i18n/i18n-context.js';
import type { InteractionResult, InteractionView } from '../interaction-types.js';
import { ConsentPage, DevicePage } from './lazy-pages.js';

type State =
  | { step: 'loading' }
  | { step: 'failed'; message: string }
  | { step: 'sign-in'; view: InteractionView }
  | { step: 'consent'; view: InteractionView }
  | { step: 'leaving' };

/** `/login?interaction=ID[&error=CODE]`: sign in, then consent when the server asks for it. */
export function SignInPage({ interaction, error }: { interaction: string; error?: string | undefined }) {
  const { api, config, leave } = useApp();
  const { t } = useI18n();
  const [state, setState] = useState<State>({ step: 'loading' });

  const load = async () => {
    try {
      const view = await api.describe(interaction);
      // Already signed in here (a platform login came back, a page reload): straight to consent.
      setState(view.needs_login ? { step: 'sign-in', view } : { step: 'consent', view });
    } catch (failure) {
      setState({ step: 'failed', message: errorMessage(t, failure) });
    }
  };
  useEffect(() => {
    void load();
  }, [interaction]);

  const onResult = (result: InteractionResult) => {
    if (result.redirect_to) {
      setState({ step: 'leaving' });
      leave(result.redirect_to, true);
      return;
    }
    void load();
  };

  switch (state.step) {
    case 'loading':
      return <p class="loading">{t('common.loading')}</p>;
    case 'failed':
      return (
        <>
          <PageHeading title={t('error.title')}>{t('error.title')}</PageHeading>
          <Alert message={state.message} />
        </>
      );
    case 'leaving':
      return (
        <>
          <PageHeading title={t('signin.title')}>{t('signin.title')}</PageHeading>
          <p role="status">{t('signin.redirecting')}</p>
        </>
      );
    case 'consent':
      // A device interaction signed in through a platform comes back here: its own confirmation
      // (the code and the warning), not the app consent screen.
      if (state.view.kind === 'device') {
        return <DevicePage resume={{ ...state.view, interaction }} />;
      }
      return (
        <ConsentPage
          interaction={interaction}
          view={state.view}
          onLoginRequired={() => setState({ step: 'sign-in', view: state.view })}
        />
      );
    case 'sign-in':
      return (
        <>
          <PageHeading title={t('signin.title')}>{t('signin.title')}</PageHeading>
          {/* Signing in to this page's own account app needs no "to continue to…". */}
          {state.view.client.id === config.client_id ? null : (
            <p class="subtitle">{t('signin.to_client', { client: state.view.client.name })}</p>
          )}
          <SignInCard
            interaction={interaction}
            view={state.view}
            onResult={onResult}
            error={error ? errorMessage(t, { error }) : null}
          />
        </>
      );
  }
}
