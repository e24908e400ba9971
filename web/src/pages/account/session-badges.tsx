/**
 * The marks beside a session's device name, and how it signed in. One place to add a mark (e.g.
 * "bound to this device" for device-bound sessions): each is a small badge with text, never colour alone.
 */
import type { SessionInfo } from '@sesame/client';

export function SessionBadges({ session }: { session: SessionInfo }) {
  return <>{session.current && <span class="badge badge-accent">This device</span>}</>;
}

/** "Signed in with a passkey", before the date the session began. */
export function signInMethodText(session: SessionInfo): string {
  if (session.method === 'passkey') return 'Signed in with a passkey';
  if (session.method === 'email') return 'Signed in by email';
  return 'Signed in';
}
