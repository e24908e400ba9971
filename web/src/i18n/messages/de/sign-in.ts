/** The sign-in page, its "Create your account" and "Check your email" steps, in German. Keys and arguments as in ../en/sign-in.ts. */
import type en from '../en/sign-in.js';

export default {
  'signIn.title': 'Anmelden',
  'signIn.heading': 'Bei {product} anmelden',
  'signIn.lead': 'Mit einem Passkey, oder mit einem Link per E-Mail.',
  'signIn.welcomeBackPasskey': 'Willkommen zurück. Zuletzt haben Sie auf diesem Gerät einen Passkey benutzt.',
  'signIn.welcomeBackEmail': 'Willkommen zurück. Zuletzt haben Sie auf diesem Gerät einen Link per E-Mail benutzt.',
  'signIn.restoreFailed':
    'Wir konnten nicht prüfen, ob Sie schon angemeldet sind. Sie können sich trotzdem unten anmelden.',
  'signIn.passkeyPrompt': 'Folgen Sie der Abfrage Ihres Browsers, um Ihren Passkey zu verwenden.',
  'signIn.passkeyClosed':
    'Die Passkey-Abfrage wurde geschlossen, bevor sie fertig war. Versuchen Sie es erneut, wenn Sie so weit sind.',
  'signIn.noPasskeyHere':
    'Es wurde kein Passkey verwendet. Wenn dieses Gerät noch keinen Passkey für {product} hat, fordern Sie unten einen Link per E-Mail an, oder wählen Sie in der Abfrage Ihr Telefon.',
  'signIn.passkeyDeleted':
    'Dieser Passkey wurde aus Ihrem Konto gelöscht und kann Sie nicht mehr anmelden. Fordern Sie stattdessen einen Link per E-Mail an.',
  'signIn.passkeyRefused':
    'Dieser Passkey wurde nicht angenommen. Versuchen Sie einen anderen, oder fordern Sie einen Link per E-Mail an.',
  'signIn.sending': 'Ihre E-Mail wird gesendet…',
  'signIn.invalidEmail': 'Bitte geben Sie eine gültige E-Mail-Adresse ein.',
  'signIn.emailLabel': 'E-Mail-Adresse',
  'signIn.emailHint': 'Wir senden Ihnen einen Link und einen sechsstelligen Code.',
  'signIn.emailLink': 'Link per E-Mail senden',
  'signIn.notYou': 'Nicht {email}? Andere Adresse verwenden',
  'signIn.orEmail': 'oder Link per E-Mail',
  'signIn.withPasskey': 'Mit einem Passkey anmelden',
  'signIn.passkeyHint':
    'Ihr Fingerabdruck, Ihr Gesicht oder Ihre Bildschirmsperre, auf diesem Gerät oder Ihrem Telefon.',
  'signIn.newHere': 'Neu bei {product}?',
  'signIn.createAccount': 'Konto anlegen',
  'signIn.confirmedElsewhere': 'Sie sind angemeldet. Sie haben den Link in einem anderen Tab bestätigt.',
  'createAccount.title': 'Konto anlegen',
  'createAccount.heading': 'Ihr Konto anlegen',
  'createAccount.lead':
    'Zuerst prüfen wir, dass die Adresse Ihnen gehört. Dann können Sie einen Passkey hinzufügen und müssen nie wieder auf eine E-Mail warten.',
  'createAccount.send': 'Link senden',
  'createAccount.haveAccount': 'Sie haben schon ein Konto?',
  'createAccount.signIn': 'Anmelden',
  'checkEmail.title': 'Prüfen Sie Ihre E-Mails',
  'checkEmail.lead': 'Wir haben einen Link und einen sechsstelligen Code an <strong>{email}</strong> gesendet.',
  'checkEmail.leadSignUp':
    'Wir haben einen Link und einen sechsstelligen Code an <strong>{email}</strong> gesendet, um Ihr Konto anzulegen.',
  'checkEmail.stepLink': 'Öffnen Sie den Link in diesem Browser, dann geht es auf dieser Seite von selbst weiter, oder',
  'checkEmail.stepCode': 'lesen Sie die E-Mail auf einem anderen Gerät und geben Sie den Code hier ein.',
  'checkEmail.enterSixDigits': 'Geben Sie die sechs Ziffern aus der E-Mail ein.',
  'checkEmail.checking': 'Der Code wird geprüft…',
  'checkEmail.codeRefused':
    'Dieser Code hat nicht funktioniert. Vielleicht ist er vertippt, abgelaufen oder durch eine neuere E-Mail ersetzt. Prüfen Sie die neueste E-Mail, oder fordern Sie eine neue an.',
  'checkEmail.resent':
    'Wir haben eine neue E-Mail an {email} gesendet. Verwenden Sie die neueste: frühere Links und Codes gelten nicht mehr.',
  'checkEmail.limited':
    'Sie haben in kurzer Zeit mehrere E-Mails angefordert, deshalb haben wir noch keine weitere gesendet. Der Code aus der E-Mail von {time} gilt weiterhin.',
  'checkEmail.codeLabel': 'Sechsstelliger Code',
  'checkEmail.codeHint': 'Gesendet um {time}. Link und Code gelten einmal, für wenige Minuten.',
  'checkEmail.verify': 'Code prüfen',
  'checkEmail.sendAgain': 'Erneut senden',
  'checkEmail.sendAgainIn': 'Erneut senden in <countdown>{time}</countdown>',
  'checkEmail.otherAddress': 'Andere Adresse verwenden',
} satisfies Record<keyof typeof en, string>;
