/**
 * The marks beside a session's device name, and how it signed in. One place to add a mark (e.g.
 * "bound to this device" for device-bound sessions): each is a small badge with text, never colour alone.
 */
import type { SessionInfo } from '@sesame/client';
import { t } from '../../i18n/i18n.js';

export function SessionBadges({ session }: { session: SessionInfo }) {
  return (
    <>
      {session.current && <span class="badge badge-accent">This device</span>}
      {session.deviceBound && (
        <span class="badge badge-good" title="This browser keeps a key for the session: a copy of its cookie is worthless on another device">
          Bound to device
        </span>
      )}
    </>
  );
}

/** "Signed in with a passkey", before the date the session began. */
export function signInMethodText(session: SessionInfo): string {
  if (session.method === 'passkey') return t('accountLife.sessions.viaPasskey');
  if (session.method === 'email') return t('accountLife.sessions.viaEmail');
  return t('accountLife.sessions.signedIn');
}
