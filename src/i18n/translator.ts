/**
 * Server-side message formatting through @formatjs/intl (ICU MessageFormat, plurals and dates by
 * the runtime's Intl): `t` for plain text, `html` for markup (every part escaped, only the
 * catalogue's own tags such as <strong> kept). `{product}` is filled with PRODUCT_NAME in every
 * message. Runtime-neutral: runs on Node and workerd.
 */
import { createIntl, createIntlCache, type IntlShape } from '@formatjs/intl';
import { escapeHtml } from '../lib/escape-html.js';
import { DEFAULT_LOCALE, type Locale } from './locales.js';
import { SERVER_MESSAGES, type ServerMessageId } from './server-messages.js';

export type MessageValues = Record<string, string | number>;

export interface Translator {
  locale: Locale;
  /** Plain text (mail text parts, subjects). */
  t(id: ServerMessageId, values?: MessageValues): string;
  /** HTML: the message and every value escaped; `<strong>` and `<em>` of the catalogue kept as markup. */
  html(id: ServerMessageId, values?: MessageValues): string;
  /** "January 15, 2026 at 12:00 UTC" / "15. Januar 2026 um 12:00 UTC": to the minute, in UTC (no guessing of the reader's zone). */
  formatTime(ms: number): string;
}

/** Formatters are pure and cost a parse each: one per locale, shared by every request. */
const cache = createIntlCache();
const intls = new Map<Locale, IntlShape<string>>();

function intlFor(locale: Locale): IntlShape<string> {
  let intl = intls.get(locale);
  if (!intl) {
    intl = createIntl(
      {
        locale,
        defaultLocale: DEFAULT_LOCALE,
        messages: SERVER_MESSAGES[locale],
        // A missing message is a bug the catalogue test catches; at run time English is shown, not a crash.
        onError: (err) => {
          if (err.code !== 'MISSING_TRANSLATION') throw err;
        },
      },
      cache,
    );
    intls.set(locale, intl);
  }
  return intl;
}

type Markup = { markup: string };
const ALLOWED_TAGS = ['strong', 'em'] as const;
const toText = (part: string | Markup | Array<string | Markup>): string =>
  Array.isArray(part) ? part.map(toText).join('') : typeof part === 'string' ? part : part.markup;
const toHtml = (part: string | Markup | Array<string | Markup>): string =>
  Array.isArray(part) ? part.map(toHtml).join('') : typeof part === 'string' ? escapeHtml(part) : part.markup;

/** formatMessage as used here: values and tag functions in, text (or text and markup parts) out. */
type Format = (descriptor: { id: string }, values: Record<string, unknown>) => string | Markup | Array<string | Markup>;

export function createTranslator({ locale, productName }: { locale: Locale; productName: string }): Translator {
  const format = intlFor(locale).formatMessage as unknown as Format;
  const time = new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: 'UTC',
    timeZoneName: 'short',
  });
  return {
    locale,
    t: (id, values) => toText(format({ id }, { product: productName, ...values })),
    html(id, values) {
      const tags = Object.fromEntries(
        ALLOWED_TAGS.map((tag) => [
          tag,
          (chunks: Array<string | Markup>): Markup => ({ markup: `<${tag}>${toHtml(chunks)}</${tag}>` }),
        ]),
      );
      return toHtml(format({ id }, { product: productName, ...values, ...tags }));
    },
    formatTime: (ms) => time.format(ms),
  };
}
