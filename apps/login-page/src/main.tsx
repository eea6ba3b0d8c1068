import './styles.css';
import { AuthClient } from '@lingpai/auth-client';
import { render } from 'preact';
import { PageApi } from './api.js';
import { App } from './app.js';
import { LOCALE_STORAGE_KEY, pickLocale, translator } from './i18n/locale.js';
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
    render(<App api={new PageApi(client)} config={config} initialLocale={locale} />, root);
  } catch (error) {
    // No config, no client: say so plainly, in the browser's language.
    console.error(error);
    const t = translator(locale);
    const main = document.createElement('main');
    main.className = 'card';
    const heading = document.createElement('h1');
    heading.textContent = t('error.title');
    const alert = document.createElement('p');
    alert.className = 'alert';
    alert.setAttribute('role', 'alert');
    alert.textContent = t('error.config');
    main.append(heading, alert);
    root.replaceChildren(main);
  }
}

const root = document.getElementById('app');
if (root) void boot(root);
