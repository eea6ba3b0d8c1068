import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../app-context.js';
import { normalizeUserCode } from '../code-input.js';
import { Alert } from '../components/alert.js';
import { Field } from '../components/field.js';
import { PageHeading } from '../components/page-heading.js';
import { SignInCard } from '../components/sign-in-card.js';
import { errorCode, errorMessage } from '../error-message.js';
import { useI18n } from '../i18n/i18n-context.js';
import type { DeviceInteractionView, InteractionResult } from '../interaction-types.js';

type State =
  | { step: 'enter'; error?: string }
  | { step: 'confirm'; view: DeviceInteractionView; error?: string }
  | { step: 'sign-in'; view: DeviceInteractionView }
  | { step: 'done' }
  | { step: 'cancelled' }
  | { step: 'expired' };

/**
 * `/login/device[?user_code=]` (RFC 8628 §3.3): enter the code → a confirmation naming the client,
 * showing the code and warning against codes from someone else (§5.4; the Storm-2372 campaigns)
 * → sign in if needed → "Device connected". A `?user_code=` link fills the code in and starts, but
 * the user still confirms: a link can come from an attacker.
 */
export function DevicePage({
  userCode,
  resume,
}: {
  userCode?: string | undefined;
  /** A device interaction already under way (back from a platform login at `/login?interaction=`). */
  resume?: DeviceInteractionView | undefined;
}) {
  const { api } = useApp();
  const { t } = useI18n();
  const [code, setCode] = useState(userCode ?? '');
  const [csrf, setCsrf] = useState<string | null>(null);
  const [state, setState] = useState<State>(resume ? { step: 'confirm', view: resume } : { step: 'enter' });
  const [busy, setBusy] = useState(false);

  const start = async (csrfToken: string, value: string) => {
    setBusy(true);
    try {
      const view = await api.startDevice(csrfToken, normalizeUserCode(value));
      setState({ step: 'confirm', view });
    } catch (failure) {
      const code = errorCode(failure);
      setState({
        step: 'enter',
        error:
          code === 'invalid_grant' || code === 'not_found'
            ? t('device.wrong_code')
            : errorMessage(t, failure),
      });
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    api.prepareDevice().then(
      (token) => {
        setCsrf(token);
        if (userCode && !resume) void start(token, userCode);
      },
      (failure) => setState({ step: 'enter', error: errorMessage(t, failure) }),
    );
  }, []);

  const approve = async (view: DeviceInteractionView) => {
    setBusy(true);
    try {
      await api.consent(view.interaction, view.csrf_token);
      setState({ step: 'done' });
    } catch (failure) {
      const code = errorCode(failure);
      if (code === 'interaction_expired') setState({ step: 'expired' });
      else if (code === 'login_required' || code === 'insufficient_user_authentication') {
        setState({ step: 'sign-in', view });
      } else setState({ step: 'confirm', view, error: errorMessage(t, failure) });
    } finally {
      setBusy(false);
    }
  };

  const cancel = async (view: DeviceInteractionView) => {
    setBusy(true);
    try {
      await api.abort(view.interaction, view.csrf_token);
      setState({ step: 'cancelled' });
    } catch (failure) {
      if (errorCode(failure) === 'interaction_expired') setState({ step: 'expired' });
      else setState({ step: 'confirm', view, error: errorMessage(t, failure) });
    } finally {
      setBusy(false);
    }
  };

  const again = () => {
    setCode('');
    setState({ step: 'enter' });
  };

  switch (state.step) {
    case 'enter': {
      const submit = (event: Event) => {
        event.preventDefault();
        if (normalizeUserCode(code) === '') {
          setState({ step: 'enter', error: t('err.required') });
          return;
        }
        if (csrf) void start(csrf, code);
      };
      return (
        <>
          <PageHeading title={t('device.title')}>{t('device.title')}</PageHeading>
          <p>{t('device.intro')}</p>
          <form class="form" onSubmit={submit} noValidate>
            <Field
              id="device-code"
              label={t('field.device_code')}
              value={code}
              onValue={setCode}
              hint={t('field.device_code_hint')}
              autoComplete="off"
              autoCapitalize="characters"
              spellcheck={false}
              class="code"
              invalid={state.error !== undefined}
              errorId="device-error"
            />
            <Alert message={state.error} id="device-error" />
            <button type="submit" class="primary" disabled={busy || csrf === null}>
              {t('common.continue')}
            </button>
          </form>
        </>
      );
    }
    case 'confirm': {
      const { view } = state;
      const client = view.client.name;
      return (
        <>
          <PageHeading title={t('device.confirm_title')}>{t('device.confirm_title')}</PageHeading>
          <p>{t('device.confirm_intro', { client })}</p>
          <p>{t('device.code_shown')}</p>
          <p class="user-code" data-testid="device-user-code">
            {view.user_code ?? normalizeUserCode(code)}
          </p>
          <p class="warning">{t('device.warning')}</p>
          <Alert message={state.error} />
          <div class="actions">
            <button type="button" class="secondary" disabled={busy} onClick={() => cancel(view)}>
              {t('common.cancel')}
            </button>
            <button
              type="button"
              class="primary"
              disabled={busy}
              onClick={() => (view.needs_login ? setState({ step: 'sign-in', view }) : approve(view))}
            >
              {t('device.confirm')}
            </button>
          </div>
        </>
      );
    }
    case 'sign-in': {
      const { view } = state;
      // The user confirmed before signing in: a login that completes answers the device at once.
      const onResult = (result: InteractionResult) => {
        if (result.status === 'logged_in' || result.status === 'approved') void approve(view);
      };
      return (
        <>
          <PageHeading title={t('signin.title')}>{t('signin.title')}</PageHeading>
          <p class="subtitle">{t('device.sign_in_first', { client: view.client.name })}</p>
          <SignInCard interaction={view.interaction} view={view} onResult={onResult} />
        </>
      );
    }
    case 'done':
      return (
        <>
          <PageHeading title={t('device.done_title')}>{t('device.done_title')}</PageHeading>
          <p role="status">{t('device.done')}</p>
        </>
      );
    case 'cancelled':
      return (
        <>
          <PageHeading title={t('device.cancelled_title')}>{t('device.cancelled_title')}</PageHeading>
          <p role="status">{t('device.cancelled')}</p>
          <button type="button" class="link-button" onClick={again}>
            {t('device.another_code')}
          </button>
        </>
      );
    case 'expired':
      return (
        <>
          <PageHeading title={t('device.title')}>{t('device.title')}</PageHeading>
          <p class="alert" role="alert">
            {t('device.expired')}
          </p>
          <button type="button" class="link-button" onClick={again}>
            {t('device.another_code')}
          </button>
        </>
      );
  }
}
