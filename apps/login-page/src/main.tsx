import './styles.css';
import { AuthClient } from '@lingpai/auth-client';
import { render } from 'preact';
import { PageApi } from './api.js';
import { App } from './app.js';
import { LOCALE_STORAGE_KEY, loadCatalogue, pickLocale, translator } from './i18n/locale.js';
import { parsePageConfig } from './page-config.js';
import { BASE } from './routes.js';

function rememberedLocale(): string | null {
  try {
    return localStorage.getItem(LOCALE_STORAGE_KEY);
  } catch {
    return null;
  }
}

async function boot(root: HTMLElement) {
  const locale = pickLocale(navigator.languages ?? [navigator.language], rememberedLocale());
  document.documentElement.lang = locale;
  // The catalogue and the config load side by side.
  const catalogue = loadCatalogue(locale);
  try {
    const answer = await fetch(`${BASE}/config.json`, { credentials: 'same-origin', cache: 'no-store' });
    if (!answer.ok) throw new Error(`config.json: HTTP ${answer.status}`);
    const config = parsePageConfig(await answer.json());
    const client = new AuthClient({
      issuer: location.origin,
      clientId: config.client_id,
      crossTab: config.cross_tab,
    });
    root.replaceChildren();
    render(
      <App
        api={new PageApi(client)}
        config={config}
        initialLocale={locale}
        initialCatalogue={await catalogue}
      />,
      root,
    );
  } catch (error) {
    // No config, no client: say so plainly, in the browser's language.
    console.error(error);
    const t = await catalogue.then(translator, () => undefined);
    const main = document.createElement('main');
    main.className = 'card';
    const heading = document.createElement('h1');
    heading.textContent = t ? t('error.title') : 'Something went wrong · 出错了';
    const alert = document.createElement('p');
    alert.className = 'alert';
    alert.setAttribute('role', 'alert');
    alert.textContent = t
      ? t('error.config')
      : 'The page could not load. Try again later. · 页面加载失败，请稍后重试。';
    main.append(heading, alert);
    root.replaceChildren(main);
  }
}

const root = document.getElementById('app');
if (root) void boot(root);
