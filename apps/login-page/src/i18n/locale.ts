import { en, type MessageKey } from './en.js';
import { zhCN } from './zh-CN.js';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

const catalogues: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

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

export function translator(locale: Locale): Translate {
  const catalogue = catalogues[locale];
  return (key, values) => format(catalogue[key] ?? en[key], values);
}

export function catalogue(locale: Locale): Record<MessageKey, string> {
  return catalogues[locale];
}
