/** Die Abfrage „Bestätigen Sie, dass Sie es sind“, auf Deutsch (Sie-Form). Keys and arguments as in ../en/reauth.ts. */
import type en from '../en/reauth.js';

export default {
  'reauth.label': 'Bestätigen Sie, dass Sie es sind',
  'reauth.intro': 'Bestätigen Sie zu Ihrer Sicherheit, dass Sie es sind, um fortzufahren.',
  'reauth.passkeyPrompt': 'Folgen Sie der Abfrage Ihres Browsers, um Ihren Passkey zu verwenden.',
  'reauth.passkeyClosed':
    'Die Passkey-Abfrage wurde geschlossen, bevor sie fertig war. Versuchen Sie es erneut, oder lassen Sie sich einen Code per E-Mail senden.',
  'reauth.noPasskeyHere':
    'Es wurde kein Passkey verwendet: Dieses Gerät hat vielleicht keinen für Ihr Konto. Lassen Sie sich stattdessen einen Code per E-Mail senden.',
  'reauth.passkeyRefused':
    'Dieser Passkey wurde nicht angenommen. Versuchen Sie einen anderen, oder lassen Sie sich einen Code per E-Mail senden.',
  'reauth.codeSent': 'Wir haben einen sechsstelligen Code an {email} gesendet.',
  'reauth.enterSixDigits': 'Geben Sie die sechs Ziffern aus der E-Mail ein.',
  'reauth.codeRefused':
    'Dieser Code hat nicht funktioniert. Prüfen Sie die neueste E-Mail, oder fordern Sie einen neuen Code an.',
  'reauth.usePasskey': 'Passkey verwenden',
  'reauth.emailCode': 'Code per E-Mail senden',
  'reauth.sendNewCode': 'Neuen Code senden',
  'reauth.codeLabel': 'Sechsstelliger Code',
  'reauth.confirm': 'Bestätigen',
} satisfies Record<keyof typeof en, string>;
