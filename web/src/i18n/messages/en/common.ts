/**
 * What every page shares, in English: the shell (header, footer, language picker), titles,
 * error sentences (lib/error-message.ts), times (lib/format-time.ts) and small shared pieces.
 * ICU MessageFormat; `{product}` is PRODUCT_NAME. How to add a string: docs/i18n.md.
 */
export default {
  'common.titleSuffix': '{title} · {product}',
  'common.loading': 'Loading…',
  'common.footer': 'Passwordless sign-in with passkeys and email links.',
  'common.language': 'Language',
  'common.tryAgain': 'Try again',
  'common.cancel': 'Cancel',
  'common.unknownTime': 'unknown',
  'common.justNow': 'just now',
  'common.notFound.title': 'Page not found',
  'common.notFound.lead': 'There’s nothing at this address.',
  'common.notFound.toSignIn': 'Go to sign-in',
  'common.device.browserOnSystem': '{browser} on {system}',
  'common.device.unknown': 'Unknown device',
  'error.network': 'We couldn’t reach {product}. Check your connection and try again.',
  'error.passkeyCancelled': 'The passkey prompt was closed before it finished. You can try again.',
  'error.passkeyUnsupported': 'This browser can’t use passkeys. Use an emailed link instead.',
  'error.passkeyAlreadyRegistered': 'This device already has a passkey for your account.',
  'error.passkeyFailed': 'The passkey didn’t work on this device. Try again, or use an emailed link.',
  'error.reauthRequired': 'For your safety, confirm it’s you before this change.',
  'error.invalidRequest': 'Please check what you entered and try again.',
  'error.credentialExists': 'This passkey is already registered.',
  'error.challengeExpired': 'That took a little too long. Please try again.',
  'error.tooManyPasskeys': 'Your account holds {max} passkeys, the most it can. Delete one you no longer use first.',
  'error.accountDisabled': 'This account has been disabled. Contact the people who run this service.',
  'error.rateLimited': 'Too many attempts. Please wait a little and try again.',
  'error.rateLimitedSeconds':
    'Too many attempts. Please try again in {seconds, plural, one {# second} other {# seconds}}.',
  'error.rateLimitedMinutes':
    'Too many attempts. Please try again in {minutes, plural, one {# minute} other {# minutes}}.',
  'error.sessionEnded': 'Your session has ended. Please sign in again.',
  'error.blocked': 'This request was blocked. Reload the page and try again.',
  'error.server': 'Something went wrong on our side. Please try again in a moment.',
  'error.generic': 'Something went wrong. Please try again.',
};
