import { useI18n } from '../i18n/i18n-context.js';
import { LOCALES, type Locale } from '../i18n/locale.js';

/** The language switch: a real `<select>` labelled "Language" / "语言"; the choice is remembered. */
export function LanguageSelect() {
  const { locale, t, setLocale } = useI18n();
  return (
    <div class="language">
      <label for="language">{t('language.label')}</label>
      <select
        id="language"
        value={locale}
        onChange={(event) => setLocale(event.currentTarget.value as Locale)}
      >
        {LOCALES.map((code) => (
          <option key={code} value={code} lang={code}>
            {t(`language.${code}`)}
          </option>
        ))}
      </select>
    </div>
  );
}
