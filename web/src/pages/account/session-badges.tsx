/**
 * The marks beside a session's device name, and how it signed in. One place to add a mark (e.g.
 * "bound to this device" for device-bound sessions): each is a small badge with text, never colour alone.
 */
import type { SessionInfo } from '@sesame/client';
import { rich, t } from '../../i18n/i18n.js';
import { formatDate } from '../../lib/format-time.js';

export function SessionBadges({ session }: { session: SessionInfo }) {
  return (
    <>
      {session.current && <span class="badge badge-accent">{t('account.sessions.thisDevice')}</span>}
      {session.deviceBound && (
        <span class="badge badge-good" title={t('account.sessions.boundHint')}>
          {t('account.sessions.bound')}
        </span>
      )}
    </>
  );
}

/** "Signed in with a passkey on <date>": how and when the session began (the word order is the language's). */
export function SignedInOn({ session }: { session: SessionInfo }) {
  const id =
    session.method === 'passkey'
      ? 'accountLife.sessions.viaPasskey'
      : session.method === 'email'
        ? 'accountLife.sessions.viaEmail'
        : 'accountLife.sessions.signedIn';
  return (
    <>
      {rich(id, {
        date: formatDate(session.createdAt),
        time: (chunks) => <time dateTime={session.createdAt}>{chunks}</time>,
      })}
    </>
  );
}
