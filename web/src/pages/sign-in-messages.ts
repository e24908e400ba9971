/**
 * What a failed passkey sign-in says. WebAuthn reports "no passkey here" and "prompt closed" with
 * the same NotAllowedError, so the page uses what this device remembers: where a passkey signed in
 * before, a dismissed prompt was most likely closed; where none ever did, the likely story is that
 * this device holds no passkey for Sesame, and the message says so and points at the link.
 */
import { isAuthError } from '@sesame/client';
import type { SignInMethod } from '../lib/device-memory.js';
import { describeError } from '../lib/error-message.js';

export function passkeyFailure(error: unknown, lastMethod: SignInMethod | undefined): string {
  if (isAuthError(error, 'PASSKEY_CANCELLED')) {
    return lastMethod === 'passkey'
      ? 'The passkey prompt was closed before it finished. Try again when you’re ready.'
      : 'No passkey was used. If this device has no passkey for Sesame yet, get a link by email below, or pick your phone in the prompt.';
  }
  return describeError(error, {
    UNKNOWN_CREDENTIAL: 'That passkey was deleted from your account, so it can’t sign you in. Get a link by email instead.',
    401: 'That passkey wasn’t accepted. Try another one, or get a link by email.',
  });
}
