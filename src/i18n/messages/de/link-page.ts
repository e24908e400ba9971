/** The server's link page and the front end's shell, in German. Keys and arguments as in ../en/link-page.ts. */
import type en from '../en/link-page.js';

export default {
  'linkPage.title': 'Bei {product} anmelden',
  'linkPage.finish.heading': 'Anmeldung abschließen',
  'linkPage.finish.fromFragment': 'Mit dem Link aus Ihrer E-Mail auf diesem Gerät fortfahren?',
  'linkPage.confirm': 'Bestätigen',
  'linkPage.noscript.fromFragment':
    'Zum Bestätigen wird JavaScript benötigt. Sie können auch den sechsstelligen Code aus der E-Mail dort eingeben, wo Sie ihn angefordert haben.',
  'linkPage.incomplete.heading': 'Dieser Link ist unvollständig',
  'linkPage.incomplete.body': 'Öffnen Sie den Link aus Ihrer E-Mail erneut oder fordern Sie einen neuen an.',
  'linkPage.expired.heading': 'Dieser Link ist abgelaufen oder wurde bereits verwendet',
  'linkPage.expired.body':
    'Jeder Link funktioniert einmal, für wenige Minuten, und nur die neueste E-Mail zählt. Fordern Sie einen neuen an.',
  'linkPage.change.heading': 'Bestätigen Sie Ihre neue Adresse',
  'linkPage.change.question': '<strong>{email}</strong> als Adresse Ihres Kontos bei {product} verwenden?',
  'linkPage.change.confirm': 'Diese Adresse bestätigen',
  'linkPage.change.noscript':
    'Zum Bestätigen wird JavaScript benötigt. Sie können auch den sechsstelligen Code aus der E-Mail auf Ihrer Kontoseite eingeben.',
  'linkPage.signIn.question': 'Auf diesem Gerät als <strong>{email}</strong> bei {product} anmelden?',
  'linkPage.signIn.confirm': 'Anmeldung bestätigen',
  'linkPage.signIn.noscript':
    'Zum Bestätigen wird JavaScript benötigt. Sie können auch den sechsstelligen Code aus der E-Mail dort eingeben, wo Sie die Anmeldung angefordert haben.',
  'linkPage.signIn.notYou':
    'Sie wollten sich nicht anmelden? Schließen Sie diese Seite: Ohne Ihre Bestätigung passiert nichts.',
  'linkPage.status.confirming': 'Wird bestätigt…',
  'linkPage.status.expired': 'Dieser Link ist abgelaufen oder wurde bereits verwendet. Fordern Sie einen neuen an.',
  'linkPage.status.tooMany': 'Zu viele Versuche. Warten Sie eine Minute und versuchen Sie es erneut.',
  'linkPage.status.failed': 'Etwas ist schiefgegangen. Versuchen Sie es erneut.',
  'linkPage.status.offline': 'Der Server ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
  'shell.description': 'Melden Sie sich mit einem Passkey oder einem Link per E-Mail bei {product} an.',
  'shell.noscript.heading': '{product} braucht JavaScript',
  'shell.noscript.body':
    'Passkeys und Anmeldelinks funktionieren über Ihren Browser. Bitte schalten Sie JavaScript ein und laden Sie diese Seite neu.',
} satisfies Record<keyof typeof en, string>;
