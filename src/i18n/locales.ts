/**
 * The languages the pages and mails speak, and where a person's choice is kept. Shared by the
 * server (mails, the server-rendered link page, `<html lang>` of the front end) and the pages
 * (the language picker), so both read one list.
 *
 * Order of choice (README "Languages"): the `sesame_locale` cookie the picker sets, then the
 * request's Accept-Language, then DEFAULT_LOCALE. Runtime-neutral, no imports.
 */

export const LOCALES = ['en', 'de'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/**
 * The person's choice. Not HttpOnly: the pages write it when the picker changes and the server
 * reads it when it renders a page or a mail. It holds a language tag only, nothing secret.
 */
export const LOCALE_COOKIE = 'sesame_locale';

/** Each language named in itself, for the picker (never translated). */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', de: 'Deutsch' };

export const isLocale = (value: unknown): value is Locale =>
  typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
