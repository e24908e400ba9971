/**
 * The messages Sesame sends with a link and a code: a sign-in message and, when a signed-in person
 * changes their account's address, a message to the new address asking them to confirm it. Both carry the same two ways to finish: a link (for
 * the device where the request was made) and a six-digit code (for any other device).
 *
 * Invariants:
 * - every value interpolated into HTML goes through escapeHtml (the `html` tag below does it
 *   by construction, so a forgotten call is impossible);
 * - the link must be an absolute http(s) URL without whitespace, so no `javascript:` or
 *   header-breaking value reaches an href, and it is escaped before it is placed there;
 * - the code is exactly six ASCII digits and appears as six consecutive digits in the text
 *   part, so mail clients and people can copy it in one piece.
 * Runtime-neutral: no node:* import.
 */
import type { MailMessage } from './mailer.js';
import { PRODUCT_NAME } from './product.js';
import { describeTime } from './request-origin.js';

export type RenderedEmail = Pick<MailMessage, 'subject' | 'text' | 'html'>;

export interface EmailTemplateInput {
  /** Defaults to PRODUCT_NAME. */
  productName?: string;
  /** Absolute http(s) URL carrying the token. */
  link: string;
  /** Six ASCII digits, kept as a string so leading zeros survive. */
  code: string;
  /** Lifetime of link and code; shown rounded down to whole minutes (at least 1). */
  expiresInMinutes: number;
  /** The canonical address the message goes to. */
  email: string;
  /**
   * Who asked, as the message tells it (request-origin.ts): the device in words from a fixed
   * list and the time to the minute. Absent: the line is left out.
   */
  requested?: { device: string; at: number };
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes the five characters that matter in HTML text and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

export function renderSignInEmail(input: EmailTemplateInput): RenderedEmail {
  const { productName = PRODUCT_NAME, email } = input;
  return renderLinkAndCodeEmail({
    ...checkInput(input),
    productName,
    subject: `Sign in to ${productName}`,
    heading: `Sign in to ${productName}`,
    intro: `Someone asked to sign in to ${productName} as ${email}.`,
    linkIntro: 'Open this link to sign in:',
    buttonLabel: `Sign in to ${productName}`,
    codeIntro: 'Or enter this code on the sign-in page:',
  });
}

export function renderChangeAddressEmail(input: EmailTemplateInput): RenderedEmail {
  const { productName = PRODUCT_NAME, email } = input;
  return renderLinkAndCodeEmail({
    ...checkInput(input),
    productName,
    subject: `Confirm your new address for ${productName}`,
    heading: 'Confirm your new address',
    intro: `Someone signed in to ${productName} asked to use ${email} as their account's address. Please confirm it is yours.`,
    linkIntro: 'Open this link to confirm your new address:',
    buttonLabel: 'Confirm this address',
    codeIntro: 'Or enter this code on the account page:',
  });
}

interface CheckedInput {
  link: string;
  code: string;
  expiry: string;
  /** "Requested from Firefox on Windows on 15 January 2026 at 12:00 UTC." or null. */
  requestLine: string | null;
}

interface LayoutInput extends CheckedInput {
  productName: string;
  subject: string;
  heading: string;
  intro: string;
  linkIntro: string;
  buttonLabel: string;
  codeIntro: string;
}

function checkInput({ link, code, expiresInMinutes, requested }: EmailTemplateInput): CheckedInput {
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
  const minutes = Math.max(1, Math.floor(expiresInMinutes));
  const requestLine = requested ? `This was requested from ${requested.device} on ${describeTime(requested.at)}.` : null;
  return { link, code, expiry: minutes === 1 ? '1 minute' : `${minutes} minutes`, requestLine };
}

function renderLinkAndCodeEmail(m: LayoutInput): RenderedEmail {
  const expiryLine = `The link and the code expire in ${m.expiry} and work only once.`;
  // A code read out to someone signs them in: people are told so where they read it.
  const shareLine = `Never share this code or link with anyone. ${m.productName} will never ask you for it.`;
  const ignoreLine = "If this wasn't you, you can ignore this message.";

  const text = [
    m.heading,
    '',
    m.intro,
    ...(m.requestLine ? [m.requestLine] : []),
    '',
    m.linkIntro,
    m.link,
    '',
    m.codeIntro,
    m.code,
    '',
    shareLine,
    '',
    expiryLine,
    '',
    ignoreLine,
    '',
    `— ${m.productName}`,
    '',
  ].join('\n');

  const muted = 'margin:0 0 16px;color:#52525b;font-size:14px;line-height:20px;';
  const body = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${m.subject}</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f4f5;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f4f5;">
<tr><td align="center" style="padding:32px 16px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:480px;background-color:#ffffff;border-radius:8px;">
<tr><td style="padding:32px;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#18181b;font-size:16px;line-height:24px;">
<h1 style="margin:0 0 16px;font-size:22px;line-height:28px;font-weight:600;">${m.heading}</h1>
<p style="margin:0 0 24px;">${m.intro}${m.requestLine ? ` ${m.requestLine}` : ''}</p>
<p style="margin:0 0 24px;"><a href="${m.link}" style="display:inline-block;background-color:#18181b;color:#ffffff;text-decoration:none;font-weight:600;padding:12px 20px;border-radius:6px;">${m.buttonLabel}</a></p>
<p style="margin:0 0 8px;">${m.codeIntro}</p>
<p style="margin:0 0 24px;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:28px;line-height:36px;font-weight:700;letter-spacing:6px;">${m.code}</p>
<p style="${muted}"><strong>${shareLine}</strong></p>
<p style="${muted}">${expiryLine}</p>
<p style="${muted}">If the button does not work, copy this link into your browser:<br><a href="${m.link}" style="color:#52525b;word-break:break-all;">${m.link}</a></p>
<p style="${muted}margin-bottom:0;">${ignoreLine}</p>
</td></tr>
</table>
<p style="margin:16px 0 0;color:#a1a1aa;font-family:Helvetica,Arial,sans-serif;font-size:12px;">${m.productName}</p>
</td></tr>
</table>
</body>
</html>
`;

  return { subject: m.subject, text, html: body };
}

/** Template tag that escapes every interpolated value. */
function html(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += escapeHtml(String(value)) + (strings[i + 1] ?? '');
  });
  return out;
}
