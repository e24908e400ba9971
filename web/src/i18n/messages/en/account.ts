/**
 * The account page's frame (title, "Sign out", the sign-out notices), its passkeys and its
 * sessions (with the marks of a session: this device, bound to the device), in English.
 * ICU MessageFormat; `{product}` is PRODUCT_NAME. How to add a string: docs/i18n.md.
 */
export default {
  'account.title': 'Your account',
  'account.signOut': 'Sign out',
  'account.signedOut': 'You’re signed out.',
  'account.signedOutEverywhere': 'You’re signed out on every device.',
  'account.passkeys.heading': 'Passkeys',
  'account.passkeys.add': 'Add a passkey',
  'account.passkeys.loading': 'Loading your passkeys…',
  'account.passkeys.none': 'No passkeys yet. Add one to sign in without waiting for an email.',
  'account.passkeys.prompt': 'Follow your browser’s prompt to create a passkey.',
  'account.passkeys.added': 'Passkey “{name}” added.',
  'account.passkeys.notAdded': 'No passkey was added.',
  'account.passkeys.renamed': 'Passkey renamed to “{name}”.',
  'account.passkeys.badName': 'Please choose a name of 1 to {max} characters.',
  'account.passkeys.deleted': 'Passkey “{name}” deleted.',
  'account.passkeys.synced': 'Synced',
  'account.passkeys.notSynced': 'Not synced',
  'account.passkeys.syncedHint': 'Synced: your password manager keeps it on your other devices too.',
  'account.passkeys.notSyncedHint': 'Not synced: it exists only on the device or security key that created it.',
  'account.passkeys.addedOn': 'Added <time>{date}</time>',
  'account.passkeys.lastUsed': 'Last used <time>{when}</time>',
  'account.passkeys.neverUsed': 'Never used',
  'account.passkeys.rename': 'Rename',
  'account.passkeys.delete': 'Delete',
  'account.passkeys.nameLabel': 'Passkey name',
  'account.passkeys.save': 'Save',
  'account.passkeys.deleteQuestion': 'Delete “{name}”? You won’t be able to sign in with it any more.',
  'account.sessions.heading': 'Where you’re signed in',
  'account.sessions.loading': 'Loading your sessions…',
  'account.sessions.thisDevice': 'This device',
  'account.sessions.bound': 'Bound to device',
  'account.sessions.boundHint':
    'This browser keeps a key for the session: a copy of its cookie is worthless on another device',
  'account.sessions.lastActive': 'Last active <time>{when}</time>',
  'account.sessions.revoke': 'Revoke',
  'account.sessions.revoked': 'Signed out {device}.',
  'account.sessions.everywhereHint':
    'Lost a device, or signed in somewhere you shouldn’t have? End every session, this one included.',
};
