/**
 * The re-authentication prompt (components/reauth-prompt.tsx), shown in place when a sensitive
 * change needs a recent sign-in, in English. ICU MessageFormat; `{product}` is PRODUCT_NAME.
 */
export default {
  'reauth.label': 'Confirm it’s you',
  'reauth.intro': 'For your safety, confirm it’s you to continue.',
  'reauth.passkeyPrompt': 'Follow your browser’s prompt to use your passkey.',
  'reauth.passkeyClosed': 'The passkey prompt was closed before it finished. Try again, or get a code by email.',
  'reauth.noPasskeyHere':
    'No passkey was used: this device may have none for your account. Get a code by email instead.',
  'reauth.passkeyRefused': 'That passkey wasn’t accepted. Try another one, or get a code by email.',
  'reauth.codeSent': 'We sent a six-digit code to {email}.',
  'reauth.enterSixDigits': 'Enter the six digits from the email.',
  'reauth.codeRefused': 'That code didn’t work. Check the newest email, or send a new code.',
  'reauth.usePasskey': 'Use your passkey',
  'reauth.emailCode': 'Email me a code',
  'reauth.sendNewCode': 'Send a new code',
  'reauth.codeLabel': 'Six-digit code',
  'reauth.confirm': 'Confirm',
};
