/**
 * The pages' language: message formatting through @formatjs/intl (ICU MessageFormat; plurals,
 * dates and relative times by the browser's Intl), the current locale, and the picker's choice.
 *
 * The page starts in the language of `<html lang>`, which the server set from the picker's cookie
 * or Accept-Language (src/views/app-shell.ts); `setLocale` switches at once, re-renders every
 * page (useLocale) and writes the cookie, so the server's next page and mail speak it too.
 * `{product}` in any message is PRODUCT_NAME (from the shell's application-name meta tag).
 * How to add a string: docs/i18n.md.
 */
import { createIntl, createIntlCache, type IntlShape } from '@formatjs/intl';
import type { ComponentChildren, VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { DEFAULT_LOCALE, isLocale, LOCALE_COOKIE, type Locale } from '../../../src/i18n/locales.js';
import { DEFAULT_PRODUCT_NAME } from '../../../src/lib/branding.js';
import { MESSAGES, type MessageId } from './messages.js';

export type { Locale, MessageId };
export type MessageValues = Record<string, string | number>;
type RichValues = Record<string, string | number | VNode | ((chunks: ComponentChildren[]) => VNode)>;

const cache = createIntlCache();
const listeners = new Set<(locale: Locale) => void>();

function readCookie(): string | null {
  if (typeof document === 'undefined') return null;
  const match = new RegExp(`(?:^|;\\s*)${LOCALE_COOKIE}=([^;]*)`).exec(document.cookie);
  return match ? decodeURIComponent(match[1]!) : null;
}

/** The picker's cookie, else the language the server chose for `<html lang>`, else English. */
export function initialLocale(): Locale {
  const chosen = readCookie();
  if (isLocale(chosen)) return chosen;
  const served = typeof document === 'undefined' ? null : document.documentElement.lang;
  return isLocale(served) ? served : DEFAULT_LOCALE;
}

/** PRODUCT_NAME as the server put it into the shell; the setting's default otherwise (the Vite dev server). */
export function productName(): string {
  if (typeof document === 'undefined') return DEFAULT_PRODUCT_NAME;
  return document.querySelector('meta[name="application-name"]')?.getAttribute('content') || DEFAULT_PRODUCT_NAME;
}

/** LOGO_URL when the operator set one; null: the built-in mark. */
export function logoUrl(): string | null {
  if (typeof document === 'undefined') return null;
  return document.querySelector('meta[name="brand-logo"]')?.getAttribute('content') || null;
}

function makeIntl(locale: Locale): IntlShape<VNode> {
  return createIntl<VNode>(
    {
      locale,
      defaultLocale: DEFAULT_LOCALE,
      messages: MESSAGES[locale],
      // A missing message is caught by test/i18n-catalogues.test.ts; at run time the id is shown, not a crash.
      onError: (err) => {
        if (err.code !== 'MISSING_TRANSLATION') console.error(err);
      },
    },
    cache,
  );
}

let current: { locale: Locale; intl: IntlShape<VNode>; product: string } = {
  locale: initialLocale(),
  intl: makeIntl(initialLocale()),
  product: productName(),
};

export const currentLocale = (): Locale => current.locale;

/** formatMessage as used here: values and tag functions in, text or text with elements out. */
type Format = (descriptor: { id: string }, values: Record<string, unknown>) => string | VNode | Array<string | VNode>;
const format = (id: MessageId, values: Record<string, unknown> = {}) =>
  (current.intl.formatMessage as unknown as Format)({ id }, { product: current.product, ...values });

/** A message as plain text (labels, statuses, titles). */
export function t(id: MessageId, values?: MessageValues): string {
  const out = format(id, values);
  return Array.isArray(out) ? out.join('') : String(out);
}

/** A message with markup: tags such as `<strong>…</strong>` become the elements `values` gives for them. */
export function rich(id: MessageId, values: RichValues): ComponentChildren {
  return format(id, values);
}

export function setLocale(locale: Locale): void {
  // The choice outlives the page: the server reads it for the next page and for mails (README "Languages").
  // Outside a browser (the components' unit tests) there is no cookie and no <html> to follow.
  const inBrowser = typeof document !== 'undefined';
  if (inBrowser) {
    const secure = location.protocol === 'https:' ? '; Secure' : '';
    // biome-ignore lint/suspicious/noDocumentCookie: a fixed name and a value from LOCALES; the Cookie Store API is missing in older Safari and Firefox
    document.cookie = `${LOCALE_COOKIE}=${locale}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
  }
  if (locale === current.locale) return;
  current = { ...current, locale, intl: makeIntl(locale) };
  if (inBrowser) document.documentElement.lang = locale;
  for (const listener of listeners) listener(locale);
}

/** The current locale; the component re-renders when it changes. */
export function useLocale(): Locale {
  const [locale, setState] = useState(current.locale);
  useEffect(() => {
    listeners.add(setState);
    setState(current.locale);
    return () => void listeners.delete(setState);
  }, []);
  return locale;
}

/** Dates and relative times in the current language (Intl through formatjs). */
export const formatDate = (value: Date | number, options?: Intl.DateTimeFormatOptions) =>
  current.intl.formatDate(value, options);
export const formatRelativeTime = (value: number, unit: Intl.RelativeTimeFormatUnit) =>
  current.intl.formatRelativeTime(value, unit, { numeric: 'auto' });
