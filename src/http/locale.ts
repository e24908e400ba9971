/**
 * The language of this request's pages and mails (README "Languages"): the language picker's
 * cookie first, then Accept-Language, then English. Hono's language detector does the matching
 * (a regional tag such as de-CH matches de; q=0 is skipped); it never sets a cookie itself,
 * only the picker does. Handlers read `c.get('language')`.
 */
import { languageDetector } from 'hono/language';
import { DEFAULT_LOCALE, LOCALE_COOKIE, LOCALES } from '../i18n/locales.js';

export const detectLocale = languageDetector({
  supportedLanguages: [...LOCALES],
  fallbackLanguage: DEFAULT_LOCALE,
  order: ['cookie', 'header'],
  lookupCookie: LOCALE_COOKIE,
  caches: false,
});
