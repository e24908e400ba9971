/**
 * The pages' catalogues, one file per page family and locale under messages/ (so parallel edits
 * touch different files). A new family is imported here once for each locale; English is the
 * source, and `satisfies` in each German file makes tsc refuse a missing or extra key.
 */
import type { Locale } from '../../../src/i18n/locales.js';
import deAccount from './messages/de/account.js';
import deAccountLife from './messages/de/account-life.js';
import deAddPasskey from './messages/de/add-passkey.js';
import deCommon from './messages/de/common.js';
import deReauth from './messages/de/reauth.js';
import deSignIn from './messages/de/sign-in.js';
import deVerifyLink from './messages/de/verify-link.js';
import enAccount from './messages/en/account.js';
import enAccountLife from './messages/en/account-life.js';
import enAddPasskey from './messages/en/add-passkey.js';
import enCommon from './messages/en/common.js';
import enReauth from './messages/en/reauth.js';
import enSignIn from './messages/en/sign-in.js';
import enVerifyLink from './messages/en/verify-link.js';

const en = { ...enCommon, ...enSignIn, ...enVerifyLink, ...enAddPasskey, ...enAccount, ...enAccountLife, ...enReauth };
export type MessageId = keyof typeof en;

export const MESSAGES: Record<Locale, Record<MessageId, string>> = {
  en,
  de: { ...deCommon, ...deSignIn, ...deVerifyLink, ...deAddPasskey, ...deAccount, ...deAccountLife, ...deReauth },
};
