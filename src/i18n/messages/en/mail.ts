/**
 * The mails, in English: ICU MessageFormat (formatjs). `{product}` is PRODUCT_NAME; plurals go
 * through `{n, plural, …}`. The source language: every other locale has exactly these keys
 * (test/i18n-catalogues.test.ts). How to add a string: docs/i18n.md.
 */
export default {
  'mail.signIn.subject': 'Sign in to {product}',
  'mail.signIn.heading': 'Sign in to {product}',
  'mail.signIn.intro': 'Someone asked to sign in to {product} as {email}.',
  'mail.signIn.linkIntro': 'Open this link to sign in:',
  'mail.signIn.button': 'Sign in to {product}',
  'mail.signIn.codeIntro': 'Or enter this code on the sign-in page:',
  'mail.change.subject': 'Confirm your new address for {product}',
  'mail.change.heading': 'Confirm your new address',
  'mail.change.intro':
    'Someone signed in to {product} asked to use {email} as their account’s address. Please confirm it is yours.',
  'mail.change.linkIntro': 'Open this link to confirm your new address:',
  'mail.change.button': 'Confirm this address',
  'mail.change.codeIntro': 'Or enter this code on the account page:',
  'mail.requested': 'This was requested from {device} on {time}.',
  'mail.expiry':
    'The link and the code expire in {minutes, plural, one {# minute} other {# minutes}} and work only once.',
  'mail.share': 'Never share this code or link with anyone. {product} will never ask you for it.',
  'mail.ignore': 'If this wasn’t you, you can ignore this message.',
  'mail.buttonFallback': 'If the button does not work, copy this link into your browser:',
  'mail.device.browserOnSystem': '{browser} on {system}',
  'mail.device.browserOnly': '{browser}',
  'mail.device.systemOnly': 'a browser on {system}',
  'mail.device.unknown': 'an unknown device',
  'mail.notice.whenFrom': '{time}, from {device}',
  'mail.notice.nothingToDo': 'If this was you, there is nothing to do.',
  'mail.notice.passkeyAdded.subject': 'A passkey was added to your {product} account',
  'mail.notice.passkeyAdded.body': 'A passkey named “{name}” was added to your {product} account ({email}) on {when}.',
  'mail.notice.passkeyAdded.ifNot':
    'If it wasn’t, sign in to {product}, delete that passkey on your account page, and choose “Sign out everywhere”.',
  'mail.notice.passkeyRemoved.subject': 'A passkey was removed from your {product} account',
  'mail.notice.passkeyRemoved.body':
    'The passkey “{name}” was removed from your {product} account ({email}) on {when}.',
  'mail.notice.passkeyRemoved.ifNot':
    'If it wasn’t, sign in to {product} with an emailed code and choose “Sign out everywhere”.',
  'mail.notice.addressChanged.subject': 'Your {product} account has a new email address',
  'mail.notice.addressChanged.body':
    'The email address of your {product} account was changed from {email} to {newEmail} on {when}.',
  'mail.notice.addressChanged.lastOne':
    'Messages about the account now go to the new address; this is the last one sent here.',
  'mail.notice.addressChanged.ifNot': 'If this wasn’t you, contact the people who run {product} at once.',
  'mail.notice.addressTaken.subject': 'Someone tried to use your address on {product}',
  'mail.notice.addressTaken.body':
    'On {when}, a person signed in to another {product} account asked to move it to {email}.',
  'mail.notice.addressTaken.nothingChanged':
    'This address already belongs to your {product} account, so nothing changed, and they were not told.',
  'mail.notice.addressTaken.ifYou':
    'If that was you, sign in with this address instead; otherwise you can ignore this message.',
  'mail.notice.accountDeleted.subject': 'Your {product} account was deleted',
  'mail.notice.accountDeleted.body':
    'Your {product} account ({email}) was deleted on {when}, with its passkeys and sessions.',
  'mail.notice.accountDeleted.nothingToDo':
    'If this was you, there is nothing to do. You can make a new account with this address at any time.',
  'mail.notice.accountDeleted.ifNot': 'If it wasn’t, contact the people who run {product}.',
};
