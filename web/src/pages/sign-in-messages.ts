/**
 * What a failed passkey sign-in says. WebAuthn reports "no passkey here" and "prompt closed" with
 * the same NotAllowedError, so the page uses what this device remembers: where a passkey signed in
 * before, a dismissed prompt was most likely closed; where none ever did, the likely story is that
 * this device holds no passkey for Sesame, and the message says so and points at the link.
 */
import { isAuthError } from '@sesame/client';
import { t } from '../i18n/i18n.js';
import type { SignInMethod } from '../lib/device-memory.js';
import { describeError } from '../lib/error-message.js';

export function passkeyFailure(error: unknown, lastMethod: SignInMethod | undefined): string {
  if (isAuthError(error, 'PASSKEY_CANCELLED')) {
    return lastMethod === 'passkey' ? t('signIn.passkeyClosed') : t('signIn.noPasskeyHere');
  }
  return describeError(error, {
    UNKNOWN_CREDENTIAL: t('signIn.passkeyDeleted'),
    401: t('signIn.passkeyRefused'),
  });
}
