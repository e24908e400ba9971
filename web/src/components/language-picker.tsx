/**
 * The language picker: each language named in itself. A choice switches the pages at once and is
 * kept in a cookie the server reads for later pages and mails (i18n/i18n.ts).
 */
import { LOCALE_NAMES, LOCALES, isLocale } from '../../../src/i18n/locales.js';
import { setLocale, t, useLocale } from '../i18n/i18n.js';

export function LanguagePicker() {
  const locale = useLocale();
  return (
    <div class="language-picker">
      <label for="language">{t('common.language')}</label>
      <select
        id="language"
        name="language"
        value={locale}
        onChange={(event) => {
          const next = event.currentTarget.value;
          if (isLocale(next)) setLocale(next);
        }}
      >
        {LOCALES.map((code) => (
          <option key={code} value={code} lang={code}>
            {LOCALE_NAMES[code]}
          </option>
        ))}
      </select>
    </div>
  );
}
