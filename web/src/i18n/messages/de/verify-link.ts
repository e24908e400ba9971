/** The emailed link's page, in German. Keys and arguments as in ../en/verify-link.ts. */
import type en from '../en/verify-link.js';

export default {
  'verifyLink.signingIn': 'Sie werden angemeldet…',
  'verifyLink.signedIn': 'Sie sind angemeldet.',
  'verifyLink.addressConfirmed': 'Ihre E-Mail-Adresse ist bestätigt.',
  'verifyLink.signedOutMeanwhile':
    'Sie wurden auf diesem Gerät inzwischen abgemeldet. Klicken Sie erneut auf „Anmeldung bestätigen“, um fortzufahren.',
  'verifyLink.incomplete.title': 'Unvollständiger Link',
  'verifyLink.incomplete.heading': 'Dieser Link ist unvollständig',
  'verifyLink.incomplete.lead': 'Öffnen Sie den Link aus Ihrer E-Mail erneut oder fordern Sie einen neuen an.',
  'verifyLink.askNew': 'Neuen Link anfordern',
  'verifyLink.expired.title': 'Link abgelaufen',
  'verifyLink.expired.heading': 'Dieser Link ist abgelaufen oder wurde bereits verwendet',
  'verifyLink.expired.lead': 'Jeder Link funktioniert einmal, für wenige Minuten, und nur die neueste E-Mail zählt.',
  'verifyLink.title': 'Anmeldung bestätigen',
  'verifyLink.heading': 'Anmeldung abschließen',
  'verifyLink.question': 'Auf diesem Gerät als <strong>{email}</strong> bei {product} anmelden?',
  'verifyLink.questionNoEmail': 'Bestätigen Sie, um die Anmeldung bei {product} auf diesem Gerät abzuschließen.',
  'verifyLink.worksUntil': 'Dieser Link funktioniert bis {time} Uhr.',
  'verifyLink.notFound':
    'Wir konnten diesen Link nicht finden; vielleicht ist er abgelaufen. Sie können es trotzdem versuchen oder einen neuen anfordern.',
  'verifyLink.confirm': 'Anmeldung bestätigen',
  'verifyLink.notYou':
    'Sie wollten sich nicht anmelden? Schließen Sie diese Seite: Ohne Ihre Bestätigung passiert nichts.',
  'verifyLink.change.confirming': 'Ihre neue Adresse wird bestätigt…',
  'verifyLink.change.done': 'Ihre Adresse ist jetzt {email}.',
  'verifyLink.change.doneTitle': 'Adresse bestätigt',
  'verifyLink.change.doneHeading': 'Ihre Adresse ist bestätigt',
  'verifyLink.change.doneLead':
    'Die Adresse Ihres Kontos ist jetzt <strong>{email}</strong>. Melden Sie sich ab jetzt damit an.',
  'verifyLink.change.toSignIn': 'Zur Anmeldung',
  'verifyLink.change.title': 'Neue Adresse bestätigen',
  'verifyLink.change.question': '<strong>{email}</strong> als Adresse Ihres {product}-Kontos verwenden?',
  'verifyLink.change.confirm': 'Diese Adresse bestätigen',
  'verifyLink.change.notYou':
    'Nicht von Ihnen angefordert? Schließen Sie diese Seite: ohne Ihre Bestätigung ändert sich nichts.',
} satisfies Record<keyof typeof en, string>;
