/**
 * describeError: the sentence a person reads for a failed action, in the page's language. Pages
 * pass what a given code or status means in their context (a 401 on a code is not a 401 on a
 * link), already translated; the rest is shared.
 */
import { AuthError } from '@sesame/client';
import { t } from '../i18n/i18n.js';

export type ErrorOverrides = Partial<Record<string | number, string>>;

/** The most passkeys an account holds (API.md). */
const MAX_PASSKEYS = 20;

export function describeError(error: unknown, overrides: ErrorOverrides = {}): string {
  if (!(error instanceof AuthError)) return t('error.generic');
  const specific = overrides[error.code] ?? overrides[error.status];
  if (specific) return specific;
  switch (error.code) {
    case 'NETWORK_ERROR':
      return t('error.network');
    case 'PASSKEY_CANCELLED':
      return t('error.passkeyCancelled');
    case 'PASSKEY_UNSUPPORTED':
      return t('error.passkeyUnsupported');
    case 'PASSKEY_ALREADY_REGISTERED':
      return t('error.passkeyAlreadyRegistered');
    case 'PASSKEY_FAILED':
      return t('error.passkeyFailed');
    case 'REAUTH_REQUIRED':
      return t('error.reauthRequired');
    case 'INVALID_REQUEST':
      return t('error.invalidRequest');
    case 'CREDENTIAL_EXISTS':
      return t('error.credentialExists');
    case 'CHALLENGE_EXPIRED':
      return t('error.challengeExpired');
    case 'TOO_MANY_PASSKEYS':
      return t('error.tooManyPasskeys', { max: MAX_PASSKEYS });
    case 'ACCOUNT_DISABLED':
      return t('error.accountDisabled');
  }
  if (error.status === 429) return rateLimitMessage(error.retryAfter);
  if (error.status === 401) return t('error.sessionEnded');
  if (error.status === 403) return t('error.blocked');
  if (error.status >= 500) return t('error.server');
  return t('error.generic');
}

function rateLimitMessage(retryAfter: number | undefined): string {
  if (retryAfter === undefined) return t('error.rateLimited');
  if (retryAfter < 90) return t('error.rateLimitedSeconds', { seconds: Math.max(1, Math.ceil(retryAfter)) });
  return t('error.rateLimitedMinutes', { minutes: Math.ceil(retryAfter / 60) });
}
