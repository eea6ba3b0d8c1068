import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Locale, Translate } from './locale.js';

export interface I18n {
  locale: Locale;
  t: Translate;
  setLocale(locale: Locale): void;
}

/** The default (no provider) names keys as they are: only a test without the provider sees it. */
export const I18nContext = createContext<I18n>({ locale: 'en', t: (key) => key, setLocale: () => {} });

export function useI18n(): I18n {
  return useContext(I18nContext);
}
