import type { MessageKey } from './en.js';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];
export type Catalogue = Record<MessageKey, string>;

/**
 * Each catalogue is its own chunk, loaded for the language in use (and on a switch): the sign-in
 * route carries one language, not both (about 3 KB gzip each).
 */
const loaders: Record<Locale, () => Promise<Catalogue>> = {
  en: () => import('./en.js').then((module) => module.en),
  'zh-CN': () => import('./zh-CN.js').then((module) => module.zhCN),
};
const loaded = new Map<Locale, Promise<Catalogue>>();

export function loadCatalogue(locale: Locale): Promise<Catalogue> {
  let catalogue = loaded.get(locale);
  if (!catalogue) {
    catalogue = loaders[locale]();
    // A failed load (offline) may be retried by the next switch.
    catalogue.catch(() => loaded.delete(locale));
    loaded.set(locale, catalogue);
  }
  return catalogue;
}

/** Where the user's explicit choice is remembered (the `<select>`), per origin. */
export const LOCALE_STORAGE_KEY = 'lingpai:login-page:locale';

/**
 * The locale for a browser: its first preferred language we have (any `zh*` is zh-CN, any `en*`
 * is en), else English. A remembered choice wins.
 */
export function pickLocale(languages: readonly string[], remembered?: string | null): Locale {
  if (remembered && (LOCALES as readonly string[]).includes(remembered)) return remembered as Locale;
  for (const language of languages) {
    const tag = language.toLowerCase();
    if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}

/** Fills `{name}` placeholders; a missing value leaves the placeholder visible (a bug, not a blank). */
export function format(template: string, values?: Record<string, string | number>): string {
  if (!values) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

/** `t()` over a loaded catalogue; a key it lacks (impossible by its type) shows as the key. */
export function translator(catalogue: Catalogue): Translate {
  return (key, values) => format(catalogue[key] ?? key, values);
}
