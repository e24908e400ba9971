/** `/add-passkey`, in German. Keys and arguments as in ../en/add-passkey.ts. */
import type en from '../en/add-passkey.js';

export default {
  'addPasskey.prompt': 'Folgen Sie der Abfrage Ihres Browsers, um einen Passkey zu erstellen.',
  'addPasskey.added': 'Passkey „{name}“ hinzugefügt. Wählen Sie nächstes Mal „Mit einem Passkey anmelden“.',
  'addPasskey.cancelled':
    'Es wurde kein Passkey hinzugefügt. Sie können es erneut versuchen oder später in Ihrem Konto einen hinzufügen.',
  'addPasskey.welcome': 'Willkommen – Ihr Konto ist bereit',
  'addPasskey.title': 'Passkey hinzufügen',
  'addPasskey.heading': 'Nächstes Mal schneller anmelden',
  'addPasskey.lead':
    'Fügen Sie einen Passkey hinzu und melden Sie sich mit Fingerabdruck, Gesicht oder Bildschirmsperre an, statt auf eine E-Mail zu warten.',
  'addPasskey.benefitNothingToType': 'Nichts zu tippen, nichts zu merken.',
  'addPasskey.benefitPhishing': 'Er funktioniert nur bei {product} und kann deshalb nicht abgefischt werden.',
  'addPasskey.benefitSync': 'Ihr Passwortmanager kann ihn auf all Ihren Geräten bereithalten.',
  'addPasskey.add': 'Passkey hinzufügen',
  'addPasskey.automatic':
    'Ihr Passwortmanager hat einen Passkey („{name}“) für Sie gespeichert. Wählen Sie nächstes Mal „Mit einem Passkey anmelden“.',
  'addPasskey.notNow': 'Nicht jetzt',
} satisfies Record<keyof typeof en, string>;
