/** Adressänderung, Aktivität, Löschen und „Überall abmelden“ der Kontoseite, auf Deutsch. */
import type en from '../en/account-life.js';

export default {
  'accountLife.email.heading': 'E-Mail-Adresse',
  'accountLife.email.change': 'Adresse ändern',
  'accountLife.email.prove': 'Adresse bestätigen',
  'accountLife.email.verified': 'Bestätigt',
  'accountLife.email.notVerified': 'Nicht bestätigt',
  'accountLife.email.hintVerified': 'Sie können sich immer mit einem Link an diese Adresse anmelden.',
  'accountLife.email.created': 'Konto erstellt am {date}.',
  'accountLife.email.hintReleased':
    'Dieses Konto hat noch keine bestätigte Adresse. Bestätigen Sie eine, damit Sie sich per E-Mail anmelden können, falls Sie Ihre Passkeys verlieren.',
  'accountLife.email.newLabel': 'Neue E-Mail-Adresse',
  'accountLife.email.newHint':
    'Wir senden dorthin einen Link und einen Code. Ihre Adresse ändert sich, sobald Sie sie bestätigen; {email} erhält eine Benachrichtigung.',
  'accountLife.email.sendLink': 'Link senden',
  'accountLife.email.cancel': 'Abbrechen',
  'accountLife.email.sending': 'Ein Link an die neue Adresse wird gesendet…',
  'accountLife.email.invalid': 'Geben Sie eine gültige E-Mail-Adresse ein, die nicht Ihre jetzige ist.',
  'accountLife.email.check':
    'Prüfen Sie <strong>{email}</strong>: öffnen Sie dort den Link, oder geben Sie hier den sechsstelligen Code ein.',
  'accountLife.email.codeLabel': 'Sechsstelliger Code',
  'accountLife.email.enterSixDigits': 'Geben Sie die sechs Ziffern aus der E-Mail ein.',
  'accountLife.email.checking': 'Der Code wird geprüft…',
  'accountLife.email.codeRefused':
    'Dieser Code hat nicht funktioniert. Prüfen Sie die neueste E-Mail an die neue Adresse, oder beginnen Sie von vorn.',
  'accountLife.email.confirm': 'Neue Adresse bestätigen',
  'accountLife.email.another': 'Andere Adresse verwenden',
  'accountLife.email.changed': 'Ihre Adresse ist jetzt {email}. Die alte Adresse hat eine Benachrichtigung erhalten.',
  'accountLife.delete.heading': 'Konto löschen',
  'accountLife.delete.hint':
    'Löscht das Konto, seine Passkeys und seine Sitzungen überall. Das lässt sich nicht rückgängig machen.',
  'accountLife.delete.open': 'Konto löschen…',
  'accountLife.delete.question':
    'Das Konto {email} löschen? Seine Passkeys funktionieren nicht mehr, jedes Gerät wird abgemeldet, und es lässt sich nicht wiederherstellen.',
  'accountLife.delete.confirm': '{email} löschen',
  'accountLife.delete.keep': 'Konto behalten',
  'accountLife.delete.deleting': 'Ihr Konto wird gelöscht…',
  'accountLife.delete.done': 'Das Konto {email} ist gelöscht, mit seinen Passkeys und Sitzungen.',
  'accountLife.activity.heading': 'Letzte Sicherheitsaktivität',
  'accountLife.activity.loading': 'Ihre Aktivität wird geladen…',
  'accountLife.activity.none': 'Noch nichts.',
  'accountLife.activity.showAll': 'Alle {count} Ereignisse zeigen',
  'accountLife.activity.accountCreated': 'Konto erstellt',
  'accountLife.activity.signInPasskey': 'Mit einem Passkey angemeldet',
  'accountLife.activity.signInEmail': 'Mit einem Link oder Code per E-Mail angemeldet',
  'accountLife.activity.signIn': 'Angemeldet',
  'accountLife.activity.reauthenticated': 'Identität bestätigt',
  'accountLife.activity.passkeyAdded': 'Passkey hinzugefügt',
  'accountLife.activity.passkeyRemoved': 'Passkey gelöscht',
  'accountLife.activity.emailChanged': 'E-Mail-Adresse geändert',
  'accountLife.activity.sessionRevoked': 'Ein Gerät wurde abgemeldet',
  'accountLife.activity.signedOutEverywhere': 'Überall abgemeldet',
  'accountLife.activity.other': 'Kontoaktivität',
  'accountLife.sessions.viaPasskey': 'Am <time>{date}</time> mit einem Passkey angemeldet',
  'accountLife.sessions.viaEmail': 'Am <time>{date}</time> per E-Mail angemeldet',
  'accountLife.sessions.signedIn': 'Am <time>{date}</time> angemeldet',
  'accountLife.sessions.everywhereOpen': 'Überall abmelden…',
  'accountLife.sessions.everywhereQuestion':
    'Auf jedem Gerät abmelden, auch auf diesem? Sie melden sich danach wieder mit einem Passkey oder einem Link per E-Mail an.',
  'accountLife.sessions.everywhereConfirm': 'Überall abmelden',
  'accountLife.passkeys.lastOne':
    'Dieser Passkey ist Ihr einziger Zugang: Ihr Konto hat keine bestätigte Adresse. Bestätigen Sie zuerst oben eine Adresse.',
} satisfies Record<keyof typeof en, string>;
