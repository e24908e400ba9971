/** What every page shares, in German (Sie-Form). Keys and arguments as in ../en/common.ts. */
import type en from '../en/common.js';

export default {
  'common.titleSuffix': '{title} · {product}',
  'common.loading': 'Wird geladen…',
  'common.footer': 'Anmelden ohne Passwort: mit Passkeys und Links per E-Mail.',
  'common.language': 'Sprache',
  'common.tryAgain': 'Erneut versuchen',
  'common.cancel': 'Abbrechen',
  'common.unknownTime': 'unbekannt',
  'common.justNow': 'gerade eben',
  'common.notFound.title': 'Seite nicht gefunden',
  'common.notFound.lead': 'Unter dieser Adresse gibt es nichts.',
  'common.notFound.toSignIn': 'Zur Anmeldung',
  'common.device.browserOnSystem': '{browser} unter {system}',
  'common.device.unknown': 'Unbekanntes Gerät',
  'error.network': '{product} ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
  'error.passkeyCancelled':
    'Die Passkey-Abfrage wurde geschlossen, bevor sie fertig war. Sie können es erneut versuchen.',
  'error.passkeyUnsupported':
    'Dieser Browser kann keine Passkeys verwenden. Nutzen Sie stattdessen einen Link per E-Mail.',
  'error.passkeyAlreadyRegistered': 'Dieses Gerät hat bereits einen Passkey für Ihr Konto.',
  'error.passkeyFailed':
    'Der Passkey hat auf diesem Gerät nicht funktioniert. Versuchen Sie es erneut oder nutzen Sie einen Link per E-Mail.',
  'error.reauthRequired': 'Bestätigen Sie zu Ihrer Sicherheit, dass Sie es sind, bevor Sie dies ändern.',
  'error.invalidRequest': 'Bitte prüfen Sie Ihre Eingabe und versuchen Sie es erneut.',
  'error.credentialExists': 'Dieser Passkey ist bereits registriert.',
  'error.challengeExpired': 'Das hat etwas zu lange gedauert. Bitte versuchen Sie es erneut.',
  'error.tooManyPasskeys':
    'Ihr Konto hat {max} Passkeys, mehr geht nicht. Löschen Sie zuerst einen, den Sie nicht mehr verwenden.',
  'error.accountDisabled': 'Dieses Konto wurde gesperrt. Wenden Sie sich an die Betreiber dieses Dienstes.',
  'error.rateLimited': 'Zu viele Versuche. Bitte warten Sie kurz und versuchen Sie es erneut.',
  'error.rateLimitedSeconds':
    'Zu viele Versuche. Bitte versuchen Sie es in {seconds, plural, one {# Sekunde} other {# Sekunden}} erneut.',
  'error.rateLimitedMinutes':
    'Zu viele Versuche. Bitte versuchen Sie es in {minutes, plural, one {# Minute} other {# Minuten}} erneut.',
  'error.sessionEnded': 'Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.',
  'error.blocked': 'Diese Anfrage wurde blockiert. Laden Sie die Seite neu und versuchen Sie es erneut.',
  'error.server': 'Bei uns ist etwas schiefgegangen. Bitte versuchen Sie es gleich noch einmal.',
  'error.generic': 'Etwas ist schiefgegangen. Bitte versuchen Sie es erneut.',
} satisfies Record<keyof typeof en, string>;
