import type { Credentials } from '@lingpai/auth-client';
import { useEffect, useState } from 'preact/hooks';
import type { UserProfile, UserSession } from '../api.js';
import { useApp } from '../app-context.js';
import { Alert } from '../components/alert.js';
import { PageHeading } from '../components/page-heading.js';
import { errorCode, errorMessage } from '../error-message.js';
import { useI18n } from '../i18n/i18n-context.js';
import { decodeJwtClaims } from '../jwt-claims.js';
import { startOwnAuthorize } from '../own-app.js';
import { BASE } from '../routes.js';
import { amrText } from '../scope-text.js';

type State =
  | { step: 'loading' }
  /** `remembered`: the server's login session may still be alive (ending it failed). */
  | { step: 'signed-out'; remembered?: boolean }
  | { step: 'failed'; message: string }
  | { step: 'ready'; profile: UserProfile; sessions: UserSession[] };

/**
 * `/login/account`, the page's own app once signed in: the profile, the sessions (per-device sign
 * out), sign out; with `show_tokens` the tokens' claims, re-rendered on every refresh (onChange).
 */
export function AccountPage() {
  const { api, config, leave } = useApp();
  const { t, locale } = useI18n();
  const [state, setState] = useState<State>({ step: 'loading' });
  const [credentials, setCredentials] = useState<Credentials | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async () => {
    try {
      const [profile, sessions] = await Promise.all([api.me(), api.sessions()]);
      setState({ step: 'ready', profile, sessions });
    } catch (failure) {
      const code = errorCode(failure);
      if (code === 'unauthenticated' || code === 'invalid_token' || code === 'invalid_grant') {
        setState({ step: 'signed-out' });
      } else {
        setState({ step: 'failed', message: errorMessage(t, failure) });
      }
    }
  };

  useEffect(() => {
    let live = true;
    api.client.getCredentials().then((current) => {
      if (!live) return;
      if (current === null) {
        // Not signed in: the page's own app signs in first (PKCE authorize from /login).
        leave(BASE, true);
        return;
      }
      setCredentials(current);
      void load();
    });
    const stop = api.client.onChange((event, next) => {
      setCredentials(next);
      if (event === 'signed_out') setState({ step: 'signed-out' });
    });
    return () => {
      live = false;
      stop();
    };
  }, []);

  const endSession = async (session: UserSession) => {
    setError(null);
    setBusy(true);
    try {
      await api.endSession(session.id);
      await load();
    } catch (failure) {
      setError(errorMessage(t, failure));
    } finally {
      setBusy(false);
    }
  };

  // Revoke the tokens, then end the server's login session (its cookie would otherwise sign this
  // browser straight back in — wrong on a shared computer). The ID token is read first: signOut
  // clears it.
  const signOut = async () => {
    setBusy(true);
    let remembered = true;
    try {
      const idToken = (await api.client.getCredentials())?.id_token;
      await api.client.signOut();
      await api.logout(idToken);
      remembered = false;
    } catch {
      // The tokens are gone locally whatever failed; the next sign-in asks again (prompt=login).
    } finally {
      setBusy(false);
      setState({ step: 'signed-out', remembered });
    }
  };

  const title = t('account.title');
  if (state.step === 'loading') return <p class="loading">{t('common.loading')}</p>;
  if (state.step === 'signed-out') {
    return (
      <>
        <PageHeading title={title}>{title}</PageHeading>
        <p role="status">{t('account.signed_out')}</p>
        {/* prompt=login only when ending the server's login session failed: it may still remember
            this browser, and signing in again after "Sign out" must ask who it is. */}
        <button
          type="button"
          class="primary"
          onClick={async () =>
            leave(
              await startOwnAuthorize(
                api.client,
                config,
                location.origin,
                sessionStorage,
                undefined,
                state.remembered ? 'login' : undefined,
              ),
            )
          }
        >
          {t('signin.title')}
        </button>
      </>
    );
  }
  if (state.step === 'failed') {
    return (
      <>
        <PageHeading title={title}>{title}</PageHeading>
        <Alert message={state.message} />
        <button type="button" class="secondary" onClick={() => load()}>
          {t('error.try_again')}
        </button>
      </>
    );
  }

  const { profile, sessions } = state;
  const when = (iso: string | undefined) =>
    iso ? new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' }) : '—';
  const rows: Array<[string, string | undefined, boolean | undefined]> = [
    [t('account.name'), profile.name, undefined],
    [t('account.username'), profile.username, undefined],
    [t('account.phone'), profile.phone_number, profile.phone_number_verified],
    [t('account.email'), profile.email, profile.email_verified],
    [t('account.user_id'), profile.sub, undefined],
  ];
  return (
    <>
      <PageHeading title={title}>{title}</PageHeading>
      <section aria-labelledby="profile-title">
        <h2 id="profile-title">{t('account.profile')}</h2>
        <dl class="profile">
          {rows
            .filter(([, value]) => value !== undefined && value !== '')
            .map(([label, value, verified]) => (
              <div key={label}>
                <dt>{label}</dt>
                <dd>
                  {value}
                  {verified ? <span class="badge"> {t('account.verified')}</span> : null}
                </dd>
              </div>
            ))}
        </dl>
      </section>
      <section aria-labelledby="sessions-title">
        <h2 id="sessions-title">{t('account.sessions')}</h2>
        <ul class="sessions">
          {sessions.map((session) => (
            <li key={session.id} class="session">
              <div>
                <strong>{session.client_name ?? session.client_id}</strong>
                {session.current ? <span class="badge"> {t('account.this_device')}</span> : null}
                <p class="hint">
                  {t('account.session_line', {
                    signed_in: when(session.auth_time ?? session.created_at),
                    method: amrText(t, session.amr),
                    last_used: when(session.last_used_at),
                  })}
                </p>
              </div>
              {session.current ? null : (
                <button type="button" class="secondary" disabled={busy} onClick={() => endSession(session)}>
                  {t('account.sign_out_device')}
                </button>
              )}
            </li>
          ))}
        </ul>
        <Alert message={error} />
      </section>
      <div class="actions">
        <button type="button" class="primary" disabled={busy} onClick={signOut}>
          {t('account.sign_out')}
        </button>
      </div>
      {config.show_tokens && credentials ? <Tokens credentials={credentials} /> : null}
    </>
  );
}

function Tokens({ credentials }: { credentials: Credentials }) {
  const { t } = useI18n();
  const access = decodeJwtClaims(credentials.access_token);
  const id = credentials.id_token ? decodeJwtClaims(credentials.id_token) : undefined;
  return (
    <section aria-labelledby="tokens-title" class="tokens">
      <h2 id="tokens-title">{t('account.tokens')}</h2>
      <p class="hint">{t('account.tokens_note')}</p>
      <h3 id="access-claims-title">{t('account.access_token')}</h3>
      <pre data-testid="access-token-claims">{JSON.stringify(access ?? {}, null, 2)}</pre>
      {id ? (
        <>
          <h3 id="id-claims-title">{t('account.id_token')}</h3>
          <pre data-testid="id-token-claims">{JSON.stringify(id, null, 2)}</pre>
        </>
      ) : null}
    </section>
  );
}
