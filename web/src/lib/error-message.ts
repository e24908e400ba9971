/**
 * describeError: the sentence a person reads for a failed action. Pages pass what a given code
 * or status means in their context (a 401 on a code is not a 401 on a link); the rest is shared.
 */
import { AuthError } from '@sesame/client';

export type ErrorOverrides = Partial<Record<string | number, string>>;

export function describeError(error: unknown, overrides: ErrorOverrides = {}): string {
  if (!(error instanceof AuthError)) return 'Something went wrong. Please try again.';
  const specific = overrides[error.code] ?? overrides[error.status];
  if (specific) return specific;
  switch (error.code) {
    case 'NETWORK_ERROR':
      return 'We couldn’t reach Sesame. Check your connection and try again.';
    case 'PASSKEY_CANCELLED':
      return 'The passkey prompt was closed before it finished. You can try again.';
    case 'PASSKEY_UNSUPPORTED':
      return 'This browser can’t use passkeys. Use an emailed link instead.';
    case 'PASSKEY_ALREADY_REGISTERED':
      return 'This device already has a passkey for your account.';
    case 'PASSKEY_FAILED':
      return 'The passkey didn’t work on this device. Try again, or use an emailed link.';
    case 'REAUTH_REQUIRED':
      return 'For your safety, confirm it’s you before this change.';
    case 'INVALID_REQUEST':
      return 'Please check what you entered and try again.';
    case 'CREDENTIAL_EXISTS':
      return 'This passkey is already registered.';
    case 'CHALLENGE_EXPIRED':
      return 'That took a little too long. Please try again.';
    case 'TOO_MANY_PASSKEYS':
      return 'Your account holds 20 passkeys, the most it can. Delete one you no longer use first.';
  }
  if (error.status === 429) return rateLimitMessage(error.retryAfter);
  if (error.status === 401) return 'Your session has ended. Please sign in again.';
  if (error.status === 403) return 'This request was blocked. Reload the page and try again.';
  if (error.status >= 500) return 'Something went wrong on our side. Please try again in a moment.';
  return 'Something went wrong. Please try again.';
}

function rateLimitMessage(retryAfter: number | undefined): string {
  if (retryAfter === undefined) return 'Too many attempts. Please wait a little and try again.';
  if (retryAfter < 90) return `Too many attempts. Please try again in ${Math.max(1, Math.ceil(retryAfter))} seconds.`;
  return `Too many attempts. Please try again in ${Math.ceil(retryAfter / 60)} minutes.`;
}
