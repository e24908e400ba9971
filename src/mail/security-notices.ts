/**
 * Security notices: short messages that tell a person something changed on their account (or
 * that someone tried to use their address), with no link or code in them, so a notice can never
 * be used to sign in and a forwarded or leaked notice gives nothing away. Words from the
 * catalogues (src/i18n/messages/<locale>/mail.ts) in the language of the request that caused it.
 *
 * Invariants: every interpolated value is escaped in HTML (the translator's `html`); the text part
 * carries the same sentences. Runtime-neutral: no node:* import.
 */
import { DEFAULT_LOCALE, type Locale } from '../i18n/locales.js';
import type { ServerMessageId } from '../i18n/server-messages.js';
import { createTranslator, type MessageValues } from '../i18n/translator.js';
import { DEFAULT_BRANDING, type Branding } from '../lib/branding.js';
import { describeDevice, type DeviceParts } from './describe-device.js';
import { mailDocument } from './layout.js';
import type { RenderedEmail } from './templates.js';

export type SecurityNotice =
  | { kind: 'passkey_added'; passkeyName: string }
  | { kind: 'passkey_removed'; passkeyName: string }
  /** To the old address, after the account moved to a new one. */
  | { kind: 'address_changed'; newEmail: string }
  /** To an address that already has an account, when another account asked to use it. */
  | { kind: 'address_taken' }
  | { kind: 'account_deleted' };

export interface SecurityNoticeInput {
  notice: SecurityNotice;
  /** The address the notice goes to. */
  email: string;
  /** When it happened, epoch ms. */
  at: number;
  /** The browser and system of the request, or null when it said nothing usable. */
  device: DeviceParts | null;
  branding?: Branding;
  locale?: Locale;
}

/** The subject and paragraphs of each notice, with the values each one needs. */
function wording(notice: SecurityNotice): {
  subject: ServerMessageId;
  lines: ServerMessageId[];
  values: MessageValues;
} {
  switch (notice.kind) {
    case 'passkey_added':
      return {
        subject: 'mail.notice.passkeyAdded.subject',
        lines: ['mail.notice.passkeyAdded.body', 'mail.notice.nothingToDo', 'mail.notice.passkeyAdded.ifNot'],
        values: { name: notice.passkeyName },
      };
    case 'passkey_removed':
      return {
        subject: 'mail.notice.passkeyRemoved.subject',
        lines: ['mail.notice.passkeyRemoved.body', 'mail.notice.nothingToDo', 'mail.notice.passkeyRemoved.ifNot'],
        values: { name: notice.passkeyName },
      };
    case 'address_changed':
      return {
        subject: 'mail.notice.addressChanged.subject',
        lines: [
          'mail.notice.addressChanged.body',
          'mail.notice.addressChanged.lastOne',
          'mail.notice.addressChanged.ifNot',
        ],
        values: { newEmail: notice.newEmail },
      };
    case 'address_taken':
      return {
        subject: 'mail.notice.addressTaken.subject',
        lines: [
          'mail.notice.addressTaken.body',
          'mail.notice.addressTaken.nothingChanged',
          'mail.notice.addressTaken.ifYou',
        ],
        values: {},
      };
    case 'account_deleted':
      return {
        subject: 'mail.notice.accountDeleted.subject',
        lines: [
          'mail.notice.accountDeleted.body',
          'mail.notice.accountDeleted.nothingToDo',
          'mail.notice.accountDeleted.ifNot',
        ],
        values: {},
      };
  }
}

export function renderSecurityNotice({
  notice,
  email,
  at,
  device,
  branding = DEFAULT_BRANDING,
  locale = DEFAULT_LOCALE,
}: SecurityNoticeInput): RenderedEmail {
  const tr = createTranslator({ locale, productName: branding.productName });
  const time = tr.formatTime(at);
  const when = device ? tr.t('mail.notice.whenFrom', { time, device: describeDevice(tr, device) }) : time;
  const { subject: subjectId, lines, values: extra } = wording(notice);
  const values = { email, when, ...extra };
  const subject = tr.t(subjectId, values);
  const text = [subject, '', ...lines.flatMap((id) => [tr.t(id, values), '']), `— ${branding.productName}`, ''].join(
    '\n',
  );
  const content = [
    `<h1 style="margin:0 0 16px;font-size:22px;line-height:28px;font-weight:600;">${tr.html(subjectId, values)}</h1>`,
    ...lines.map((id) => `<p style="margin:0 0 16px;">${tr.html(id, values)}</p>`),
  ].join('\n');
  return { subject, text, html: mailDocument({ locale, subject, branding, content }) };
}
