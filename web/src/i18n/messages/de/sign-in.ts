/** The sign-in page and its "Check your email" step, in German. Keys and arguments as in ../en/sign-in.ts. */
import type en from '../en/sign-in.js';

export default {
  'signIn.title': 'Anmelden',
  'signIn.heading': 'Bei {product} anmelden',
  'signIn.lead': 'Neu hier? Mit demselben Formular legen Sie Ihr Konto an.',
  'signIn.restoreFailed': 'Wir konnten nicht prüfen, ob Sie schon angemeldet sind. Sie können sich trotzdem unten anmelden.',
  'signIn.passkeyRefusedAutofill':
    'Dieser Passkey wurde nicht akzeptiert. Vielleicht wurde er aus Ihrem Konto entfernt. Versuchen Sie es erneut oder nutzen Sie einen Link per E-Mail.',
  'signIn.passkeyPrompt': 'Folgen Sie der Abfrage Ihres Browsers, um Ihren Passkey zu verwenden.',
  'signIn.passkeyRefused': 'Dieser Passkey wurde nicht akzeptiert. Versuchen Sie einen anderen oder nutzen Sie einen Link per E-Mail.',
  'signIn.sending': 'Ihre E-Mail wird gesendet…',
  'signIn.invalidEmail': 'Bitte geben Sie eine gültige E-Mail-Adresse ein.',
  'signIn.emailLabel': 'E-Mail-Adresse',
  'signIn.emailHint': 'Wir senden Ihnen einen Link und einen sechsstelligen Code. Gespeicherte Passkeys erscheinen auch hier.',
  'signIn.emailLink': 'Link per E-Mail senden',
  'signIn.createAccount': 'Konto anlegen',
  'signIn.or': 'oder',
  'signIn.withPasskey': 'Mit einem Passkey anmelden',
  'signIn.passkeyHint': 'Nutzt Fingerabdruck, Gesichtserkennung oder Bildschirmsperre eines Geräts, auf dem Ihr Passkey liegt.',
  'checkEmail.title': 'Prüfen Sie Ihre E-Mails',
  'checkEmail.lead': 'Wir haben einen Anmeldelink und einen sechsstelligen Code an <strong>{email}</strong> gesendet.',
  'checkEmail.stepLink': 'Öffnen Sie den Link auf diesem Gerät, um die Anmeldung abzuschließen, oder',
  'checkEmail.stepCode': 'lesen Sie die E-Mail auf einem anderen Gerät und geben Sie den Code hier ein.',
  'checkEmail.enterSixDigits': 'Geben Sie die sechs Ziffern aus der E-Mail ein.',
  'checkEmail.checking': 'Der Code wird geprüft…',
  'checkEmail.codeRefused':
    'Dieser Code hat nicht funktioniert. Vielleicht ist er vertippt, abgelaufen oder durch eine neuere E-Mail ersetzt. Sehen Sie in der neuesten E-Mail nach oder fordern Sie eine neue an.',
  'checkEmail.resent': 'Wir haben eine neue E-Mail an {email} gesendet. Frühere Links und Codes funktionieren nicht mehr.',
  'checkEmail.codeLabel': 'Sechsstelliger Code',
  'checkEmail.codeHint': 'Link und Code funktionieren einmal, für wenige Minuten.',
  'checkEmail.verify': 'Code prüfen',
  'checkEmail.resend': 'Neue E-Mail senden',
  'checkEmail.otherAddress': 'Andere Adresse verwenden',
} satisfies Record<keyof typeof en, string>;
