/** The mails, in German (Sie-Form). Keys and arguments as in ../en/mail.ts. */
import type en from '../en/mail.js';

export default {
  'mail.signIn.subject': 'Bei {product} anmelden',
  'mail.signIn.heading': 'Bei {product} anmelden',
  'mail.signIn.intro': 'Jemand möchte sich als {email} bei {product} anmelden.',
  'mail.signIn.linkIntro': 'Öffnen Sie diesen Link, um sich anzumelden:',
  'mail.signIn.button': 'Bei {product} anmelden',
  'mail.signIn.codeIntro': 'Oder geben Sie diesen Code auf der Anmeldeseite ein:',
  'mail.change.subject': 'Bestätigen Sie Ihre neue Adresse für {product}',
  'mail.change.heading': 'Bestätigen Sie Ihre neue Adresse',
  'mail.change.intro':
    'Jemand, der bei {product} angemeldet ist, möchte {email} als Adresse seines Kontos verwenden. Bitte bestätigen Sie, dass diese Adresse Ihnen gehört.',
  'mail.change.linkIntro': 'Öffnen Sie diesen Link, um Ihre neue Adresse zu bestätigen:',
  'mail.change.button': 'Diese Adresse bestätigen',
  'mail.change.codeIntro': 'Oder geben Sie diesen Code auf der Kontoseite ein:',
  'mail.requested': 'Angefordert von {device} am {time}.',
  'mail.expiry':
    'Link und Code laufen in {minutes, plural, one {# Minute} other {# Minuten}} ab und funktionieren nur einmal.',
  'mail.share': 'Geben Sie diesen Code oder Link niemals weiter. {product} wird Sie nie danach fragen.',
  'mail.ignore': 'Falls Sie das nicht waren, können Sie diese Nachricht ignorieren.',
  'mail.buttonFallback': 'Falls die Schaltfläche nicht funktioniert, kopieren Sie diesen Link in Ihren Browser:',
  'mail.device.browserOnSystem': '{browser} unter {system}',
  'mail.device.browserOnly': '{browser}',
  'mail.device.systemOnly': 'einem Browser unter {system}',
  'mail.device.unknown': 'einem unbekannten Gerät',
  'mail.notice.whenFrom': '{time}, von {device}',
  'mail.notice.nothingToDo': 'Falls Sie das waren, müssen Sie nichts tun.',
  'mail.notice.passkeyAdded.subject': 'Ihrem Konto bei {product} wurde ein Passkey hinzugefügt',
  'mail.notice.passkeyAdded.body':
    'Ein Passkey namens „{name}“ wurde am {when} Ihrem Konto bei {product} ({email}) hinzugefügt.',
  'mail.notice.passkeyAdded.ifNot':
    'Falls nicht, melden Sie sich bei {product} an, löschen Sie diesen Passkey auf Ihrer Kontoseite und wählen Sie „Überall abmelden“.',
  'mail.notice.passkeyRemoved.subject': 'Aus Ihrem Konto bei {product} wurde ein Passkey entfernt',
  'mail.notice.passkeyRemoved.body':
    'Der Passkey „{name}“ wurde am {when} aus Ihrem Konto bei {product} ({email}) entfernt.',
  'mail.notice.passkeyRemoved.ifNot':
    'Falls nicht, melden Sie sich mit einem per E-Mail gesendeten Code bei {product} an und wählen Sie „Überall abmelden“.',
  'mail.notice.addressChanged.subject': 'Ihr Konto bei {product} hat eine neue E-Mail-Adresse',
  'mail.notice.addressChanged.body':
    'Die E-Mail-Adresse Ihres Kontos bei {product} wurde am {when} von {email} in {newEmail} geändert.',
  'mail.notice.addressChanged.lastOne':
    'Nachrichten zum Konto gehen jetzt an die neue Adresse; dies ist die letzte, die hierher geht.',
  'mail.notice.addressChanged.ifNot':
    'Falls Sie das nicht waren, wenden Sie sich sofort an die Betreiber von {product}.',
  'mail.notice.addressTaken.subject': 'Jemand wollte Ihre Adresse bei {product} verwenden',
  'mail.notice.addressTaken.body':
    'Am {when} hat eine Person, die in einem anderen Konto bei {product} angemeldet ist, darum gebeten, dieses Konto auf {email} umzustellen.',
  'mail.notice.addressTaken.nothingChanged':
    'Diese Adresse gehört bereits zu Ihrem Konto bei {product}. Deshalb hat sich nichts geändert, und die Person hat davon nichts erfahren.',
  'mail.notice.addressTaken.ifYou':
    'Falls Sie das waren, melden Sie sich stattdessen mit dieser Adresse an; andernfalls können Sie diese Nachricht ignorieren.',
  'mail.notice.accountDeleted.subject': 'Ihr Konto bei {product} wurde gelöscht',
  'mail.notice.accountDeleted.body':
    'Ihr Konto bei {product} ({email}) wurde am {when} gelöscht, mit seinen Passkeys und Sitzungen.',
  'mail.notice.accountDeleted.nothingToDo':
    'Falls Sie das waren, müssen Sie nichts tun. Sie können jederzeit ein neues Konto mit dieser Adresse anlegen.',
  'mail.notice.accountDeleted.ifNot': 'Falls nicht, wenden Sie sich an die Betreiber von {product}.',
} satisfies Record<keyof typeof en, string>;
