/**
 * The messages with a link and a code: a sign-in message and, when a signed-in person changes
 * their account's address, a message to the new address asking them to confirm it. Both carry the
 * same two ways to finish: a link (for the device where the request was made) and a six-digit code
 * (for any other device). Words come from the catalogues (src/i18n/messages/<locale>/mail.ts) in
 * the requester's language; the layout, logo and brand colour from the branding settings.
 *
 * Invariants:
 * - every value interpolated into HTML is escaped (the translator's `html` escapes messages and
 *   values; the `html` tag below escapes the rest by construction);
 * - the link must be an absolute http(s) URL without whitespace, so no `javascript:` or
 *   header-breaking value reaches an href, and it is escaped before it is placed there;
 * - the code is exactly six ASCII digits and appears as six consecutive digits in the text
 *   part, so mail clients and people can copy it in one piece.
 * Runtime-neutral: no node:* import.
 */
import { DEFAULT_BRANDING, type Branding } from '../lib/branding.js';
import { escapeHtml } from '../lib/escape-html.js';
import { DEFAULT_LOCALE, type Locale } from '../i18n/locales.js';
import { createTranslator, type Translator } from '../i18n/translator.js';
import type { ServerMessageId } from '../i18n/server-messages.js';
import { describeDevice, type DeviceParts } from './describe-device.js';
import { mailDocument } from './layout.js';
import type { MailMessage } from './mailer.js';

export { escapeHtml };
export type RenderedEmail = Pick<MailMessage, 'subject' | 'text' | 'html'>;

export interface EmailTemplateInput {
  /** Product name, logo and colour; defaults to DEFAULT_BRANDING (PRODUCT_NAME's default). */
  branding?: Branding;
  /** The language of the message; defaults to English. */
  locale?: Locale;
  /** Absolute http(s) URL carrying the token. */
  link: string;
  /** Six ASCII digits, kept as a string so leading zeros survive. */
  code: string;
  /** Lifetime of link and code; shown rounded down to whole minutes (at least 1). */
  expiresInMinutes: number;
  /** The canonical address the message goes to. */
  email: string;
  /**
   * Who asked, as the message tells it: the browser and system from a fixed list (never the raw
   * User-Agent, which the requester writes) and the time to the minute. Absent: the line is left out.
   */
  requested?: { device: DeviceParts; at: number };
}

interface Wording {
  subject: ServerMessageId;
  heading: ServerMessageId;
  intro: ServerMessageId;
  linkIntro: ServerMessageId;
  button: ServerMessageId;
  codeIntro: ServerMessageId;
}

const SIGN_IN: Wording = {
  subject: 'mail.signIn.subject',
  heading: 'mail.signIn.heading',
  intro: 'mail.signIn.intro',
  linkIntro: 'mail.signIn.linkIntro',
  button: 'mail.signIn.button',
  codeIntro: 'mail.signIn.codeIntro',
};

const CHANGE_ADDRESS: Wording = {
  subject: 'mail.change.subject',
  heading: 'mail.change.heading',
  intro: 'mail.change.intro',
  linkIntro: 'mail.change.linkIntro',
  button: 'mail.change.button',
  codeIntro: 'mail.change.codeIntro',
};

export const renderSignInEmail = (input: EmailTemplateInput): RenderedEmail => renderLinkAndCodeEmail(input, SIGN_IN);
export const renderChangeAddressEmail = (input: EmailTemplateInput): RenderedEmail =>
  renderLinkAndCodeEmail(input, CHANGE_ADDRESS);

function checkInput({ link, code, expiresInMinutes }: EmailTemplateInput): number {
  // A code with other characters would not be "six consecutive digits" and could carry markup.
  if (!/^[0-9]{6}$/.test(code)) throw new TypeError('code must be exactly six digits');
  // Whitespace would break the link across lines in the text part; URL parsing would hide it.
  if (/[\s\u0000-\u001f\u007f]/.test(link)) throw new TypeError('link must not contain whitespace');
  // Only http(s): a javascript: or data: URL in an href is script, not a link.
  if (!URL.canParse(link) || !['http:', 'https:'].includes(new URL(link).protocol)) {
    throw new TypeError('link must be an absolute http(s) URL');
  }
  if (!Number.isFinite(expiresInMinutes) || expiresInMinutes <= 0) {
    throw new RangeError('expiresInMinutes must be a positive number');
  }
  // Rounded down: telling people they have less time than they do is the safe error.
  return Math.max(1, Math.floor(expiresInMinutes));
}

function requestLine(tr: Translator, requested: EmailTemplateInput['requested'], as: 't' | 'html'): string | null {
  if (!requested) return null;
  return tr[as]('mail.requested', { device: describeDevice(tr, requested.device), time: tr.formatTime(requested.at) });
}

function renderLinkAndCodeEmail(input: EmailTemplateInput, words: Wording): RenderedEmail {
  const minutes = checkInput(input);
  const { link, code, email, branding = DEFAULT_BRANDING, locale = DEFAULT_LOCALE } = input;
  const tr = createTranslator({ locale, productName: branding.productName });
  const subject = tr.t(words.subject);
  const requested = requestLine(tr, input.requested, 't');

  const text = [
    tr.t(words.heading),
    '',
    tr.t(words.intro, { email }),
    ...(requested ? [requested] : []),
    '',
    tr.t(words.linkIntro),
    link,
    '',
    tr.t(words.codeIntro),
    code,
    '',
    tr.t('mail.share'),
    '',
    tr.t('mail.expiry', { minutes }),
    '',
    tr.t('mail.ignore'),
    '',
    `— ${branding.productName}`,
    '',
  ].join('\n');

  const muted = 'margin:0 0 16px;color:#52525b;font-size:14px;line-height:20px;';
  const requestedHtml = requestLine(tr, input.requested, 'html');
  // Messages from tr.html are escaped already; everything else goes through the `html` tag.
  const content = `<h1 style="margin:0 0 16px;font-size:22px;line-height:28px;font-weight:600;">${tr.html(words.heading)}</h1>
<p style="margin:0 0 24px;">${tr.html(words.intro, { email })}${requestedHtml ? ` ${requestedHtml}` : ''}</p>
${html`<p style="margin:0 0 24px;"><a href="${link}" style="display:inline-block;background-color:${branding.color};color:${branding.colorText};text-decoration:none;font-weight:600;padding:12px 20px;border-radius:6px;">`}${tr.html(words.button)}</a></p>
<p style="margin:0 0 8px;">${tr.html(words.codeIntro)}</p>
${html`<p style="margin:0 0 24px;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:28px;line-height:36px;font-weight:700;letter-spacing:6px;">${code}</p>`}
<p style="${muted}"><strong>${tr.html('mail.share')}</strong></p>
<p style="${muted}">${tr.html('mail.expiry', { minutes })}</p>
<p style="${muted}">${tr.html('mail.buttonFallback')}<br>${html`<a href="${link}" style="color:#52525b;word-break:break-all;">${link}</a>`}</p>
<p style="${muted}margin-bottom:0;">${tr.html('mail.ignore')}</p>`;

  return { subject, text, html: mailDocument({ locale, subject, branding, content }) };
}

/** Template tag that escapes every interpolated value. */
function html(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += escapeHtml(String(value)) + (strings[i + 1] ?? '');
  });
  return out;
}
