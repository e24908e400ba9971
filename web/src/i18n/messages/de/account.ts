/** Rahmen, Passkeys und Sitzungen der Kontoseite, auf Deutsch (Sie-Form). Keys and arguments as in ../en/account.ts. */
import type en from '../en/account.js';

export default {
  'account.title': 'Ihr Konto',
  'account.signOut': 'Abmelden',
  'account.signedOut': 'Sie sind abgemeldet.',
  'account.signedOutEverywhere': 'Sie sind auf allen Geräten abgemeldet.',
  'account.passkeys.heading': 'Passkeys',
  'account.passkeys.add': 'Passkey hinzufügen',
  'account.passkeys.loading': 'Ihre Passkeys werden geladen…',
  'account.passkeys.none':
    'Noch keine Passkeys. Fügen Sie einen hinzu, um sich anzumelden, ohne auf eine E-Mail zu warten.',
  'account.passkeys.prompt': 'Folgen Sie der Abfrage Ihres Browsers, um einen Passkey zu erstellen.',
  'account.passkeys.added': 'Passkey „{name}“ hinzugefügt.',
  'account.passkeys.notAdded': 'Es wurde kein Passkey hinzugefügt.',
  'account.passkeys.renamed': 'Passkey in „{name}“ umbenannt.',
  'account.passkeys.badName': 'Bitte wählen Sie einen Namen mit 1 bis {max} Zeichen.',
  'account.passkeys.deleted': 'Passkey „{name}“ gelöscht.',
  'account.passkeys.synced': 'Synchronisiert',
  'account.passkeys.notSynced': 'Nicht synchronisiert',
  'account.passkeys.syncedHint': 'Synchronisiert: Ihr Passwortmanager hält ihn auch auf Ihren anderen Geräten bereit.',
  'account.passkeys.notSyncedHint':
    'Nicht synchronisiert: Er liegt nur auf dem Gerät oder Sicherheitsschlüssel, mit dem er erstellt wurde.',
  'account.passkeys.addedOn': 'Hinzugefügt am <time>{date}</time>',
  'account.passkeys.lastUsed': 'Zuletzt verwendet <time>{when}</time>',
  'account.passkeys.neverUsed': 'Nie verwendet',
  'account.passkeys.rename': 'Umbenennen',
  'account.passkeys.delete': 'Löschen',
  'account.passkeys.nameLabel': 'Name des Passkeys',
  'account.passkeys.save': 'Speichern',
  'account.passkeys.deleteQuestion': '„{name}“ löschen? Sie können sich danach nicht mehr damit anmelden.',
  'account.sessions.heading': 'Wo Sie angemeldet sind',
  'account.sessions.loading': 'Ihre Sitzungen werden geladen…',
  'account.sessions.thisDevice': 'Dieses Gerät',
  'account.sessions.bound': 'An Gerät gebunden',
  'account.sessions.boundHint':
    'Dieser Browser verwahrt einen Schlüssel für die Sitzung: Eine Kopie ihres Cookies ist auf einem anderen Gerät wertlos',
  'account.sessions.lastActive': 'Zuletzt aktiv <time>{when}</time>',
  'account.sessions.revoke': 'Sitzung beenden',
  'account.sessions.revoked': 'Die Sitzung auf {device} ist beendet.',
  'account.sessions.everywhereHint':
    'Ein Gerät verloren oder sich irgendwo angemeldet, wo Sie es nicht sollten? Beenden Sie alle Sitzungen, auch diese.',
} satisfies Record<keyof typeof en, string>;
