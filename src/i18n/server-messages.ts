/**
 * The server's catalogues (mails, its own link page, the front end's shell), one file per area
 * and locale under messages/. A new area is added here once; keys are typed from English.
 */
import deLinkPage from './messages/de/link-page.js';
import deMail from './messages/de/mail.js';
import enLinkPage from './messages/en/link-page.js';
import enMail from './messages/en/mail.js';
import type { Locale } from './locales.js';

const en = { ...enMail, ...enLinkPage };
export type ServerMessageId = keyof typeof en;

export const SERVER_MESSAGES: Record<Locale, Record<ServerMessageId, string>> = {
  en,
  de: { ...deMail, ...deLinkPage },
};
