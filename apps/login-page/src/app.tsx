import { useEffect, useLayoutEffect, useMemo, useState } from 'preact/hooks';
import type { PageApi } from './api.js';
import { AppContext, type AppServices } from './app-context.js';
import { LanguageSelect } from './components/language-select.js';
import { I18nContext } from './i18n/i18n-context.js';
import { type Catalogue, LOCALE_STORAGE_KEY, type Locale, loadCatalogue, translator } from './i18n/locale.js';
import type { PageConfig } from './interaction-types.js';
import { AccountPage, DevicePage, ForgotPage, SignUpPage } from './pages/lazy-pages.js';
import { CallbackPage, NotFoundPage, OwnAppPage } from './pages/own-app-page.js';
import { SignInPage } from './pages/sign-in-page.js';
import { parseRoute, type Route } from './routes.js';

function remember(locale: Locale) {
  try {
    localStorage.setItem(LOCALE_STORAGE_KEY, locale);
  } catch {
    // Storage off (private mode, policy): the choice lasts for this page only.
  }
}

function current(): Route {
  return parseRoute(location.pathname, location.search);
}

export function App({
  api,
  config,
  initialLocale,
  initialCatalogue,
}: {
  api: PageApi;
  config: PageConfig;
  initialLocale: Locale;
  initialCatalogue: Catalogue;
}) {
  const [language, setLanguage] = useState({ locale: initialLocale, catalogue: initialCatalogue });
  const { locale } = language;
  const [route, setRoute] = useState<Route>(current);
  // A key per navigation, so a page reached again starts fresh.
  const [visit, setVisit] = useState(0);

  // In the same task as the render (not after paint): the page never shows one language under
  // another's `lang` (screen readers pick their voice from it).
  useLayoutEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  useEffect(() => {
    const onPop = () => {
      setRoute(current());
      setVisit((n) => n + 1);
    };
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const i18n = useMemo(
    () => ({
      locale,
      t: translator(language.catalogue),
      setLocale: (next: Locale) => {
        remember(next);
        // The old language stays until the new one has loaded (a chunk of ~3 KB).
        loadCatalogue(next).then(
          (catalogue) => setLanguage({ locale: next, catalogue }),
          () => {},
        );
      },
    }),
    [language],
  );
  const services = useMemo<AppServices>(
    () => ({
      api,
      config,
      userAgent: navigator.userAgent,
      navigate(path, state, replace) {
        if (replace) history.replaceState(state ?? null, '', path);
        else history.pushState(state ?? null, '', path);
        setRoute(current());
        setVisit((n) => n + 1);
      },
      leave(url, replace) {
        if (replace) location.replace(url);
        else location.assign(url);
      },
    }),
    [api, config],
  );

  return (
    <AppContext.Provider value={services}>
      <I18nContext.Provider value={i18n}>
        <header class="top">
          <span class="brand" aria-hidden="true">
            ◆
          </span>
          <LanguageSelect />
        </header>
        <main class="card" key={visit}>
          <RouteView route={route} />
        </main>
      </I18nContext.Provider>
    </AppContext.Provider>
  );
}

function RouteView({ route }: { route: Route }) {
  switch (route.name) {
    case 'sign-in':
      return <SignInPage interaction={route.interaction} error={route.error} />;
    case 'own-app':
      return <OwnAppPage />;
    case 'callback':
      return <CallbackPage {...route} />;
    case 'sign-up':
      return <SignUpPage interaction={route.interaction} />;
    case 'forgot':
      return <ForgotPage interaction={route.interaction} />;
    case 'account':
      return <AccountPage />;
    case 'device':
      return <DevicePage userCode={route.userCode} />;
    case 'not-found':
      return <NotFoundPage />;
  }
}
