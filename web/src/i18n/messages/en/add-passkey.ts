/** `/add-passkey`, the offer after an emailed sign-in, in English. ICU MessageFormat; `{product}` is PRODUCT_NAME. */
export default {
  'addPasskey.prompt': 'Follow your browser’s prompt to create a passkey.',
  'addPasskey.added': 'Passkey “{name}” added. Next time, choose “Sign in with a passkey”.',
  'addPasskey.cancelled': 'No passkey was added. You can try again, or add one later from your account.',
  'addPasskey.welcome': 'Welcome — your account is ready',
  'addPasskey.title': 'Add a passkey',
  'addPasskey.heading': 'Sign in faster next time',
  'addPasskey.lead':
    'Add a passkey and sign in with your fingerprint, face or screen lock instead of waiting for an email.',
  'addPasskey.benefitNothingToType': 'Nothing to type and nothing to remember.',
  'addPasskey.benefitPhishing': 'It only works on {product}, so it can’t be phished.',
  'addPasskey.benefitSync': 'Your password manager can keep it on all your devices.',
  'addPasskey.add': 'Add a passkey',
  'addPasskey.automatic':
    'Your password manager saved a passkey (“{name}”) for you. Next time, choose “Sign in with a passkey”.',
  'addPasskey.notNow': 'Not now',
};
