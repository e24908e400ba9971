/**
 * The server's own page for an emailed link (src/routes/email.ts, used when no front end is
 * built), in English, and the shell of the front end's index.html (title, description, the
 * no-JavaScript notice). ICU MessageFormat; `{product}` is PRODUCT_NAME.
 */
export default {
  'linkPage.title': 'Sign in to {product}',
  'linkPage.finish.heading': 'Finish signing in',
  'linkPage.finish.fromFragment': 'Continue with the link from your email on this device?',
  'linkPage.confirm': 'Confirm',
  'linkPage.noscript.fromFragment':
    'Confirming needs JavaScript. You can also type the six-digit code from the email where you asked.',
  'linkPage.incomplete.heading': 'This link is incomplete',
  'linkPage.incomplete.body': 'Open the link from your email again, or ask for a new one.',
  'linkPage.expired.heading': 'This link has expired or was already used',
  'linkPage.expired.body':
    'Each link works once, for a few minutes, and only the newest email counts. Ask for a new one.',
  'linkPage.change.heading': 'Confirm your new address',
  'linkPage.change.question': 'Use <strong>{email}</strong> as your {product} account’s address?',
  'linkPage.change.confirm': 'Confirm this address',
  'linkPage.change.noscript':
    'Confirming needs JavaScript. You can also type the six-digit code from the email on your account page.',
  'linkPage.signIn.question': 'Sign in to {product} as <strong>{email}</strong> on this device?',
  'linkPage.signIn.confirm': 'Confirm sign-in',
  'linkPage.signIn.noscript':
    'Confirming needs JavaScript. You can also type the six-digit code from the email where you asked to sign in.',
  'linkPage.signIn.notYou': 'Didn’t ask to sign in? Close this page: nothing happens until you confirm.',
  'linkPage.status.confirming': 'Confirming…',
  'linkPage.status.expired': 'This link has expired or was already used. Ask for a new one.',
  'linkPage.status.tooMany': 'Too many attempts. Wait a minute and try again.',
  'linkPage.status.failed': 'Something went wrong. Try again.',
  'linkPage.status.offline': 'Could not reach the server. Check your connection and try again.',
  'shell.description': 'Sign in to {product} with a passkey or an emailed link.',
  'shell.noscript.heading': '{product} needs JavaScript',
  'shell.noscript.body':
    'Passkeys and sign-in links work through your browser. Please turn JavaScript on and reload this page.',
};
