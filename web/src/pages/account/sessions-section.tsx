/**
 * Where the account is signed in: one entry per sign-in, this device marked; sign out any other
 * one, or every one at once.
 */
import { useRef, useState } from 'preact/hooks';
import type { SessionInfo } from '@sesame/client';
import { useSession } from '../../auth-context.js';
import type { StatusTone } from '../../components/status-message.js';
import { describeDevice } from '../../lib/describe-device.js';
import { LoadFailed } from '../../components/load-failed.js';
import { describeError } from '../../lib/error-message.js';
import { formatDate, formatDateTime, formatRelative } from '../../lib/format-time.js';
import { useResource } from '../../lib/use-resource.js';

type Say = (tone: StatusTone, text: string) => void;

function byRelevance(a: SessionInfo, b: SessionInfo): number {
  if (a.current !== b.current) return a.current ? -1 : 1;
  return b.lastUsedAt.localeCompare(a.lastUsedAt);
}

export function SessionsSection({ say, onSignOutEverywhere }: { say: Say; onSignOutEverywhere(): Promise<void> }) {
  const { auth } = useSession();
  const { resource, reload, update } = useResource(() => auth.listSessions());
  const [revoking, setRevoking] = useState<string | null>(null);
  const [leaving, setLeaving] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  async function revoke(session: SessionInfo) {
    if (revoking) return;
    setRevoking(session.id);
    try {
      await auth.revokeSession(session.id);
      update((sessions) => sessions.filter((existing) => existing.id !== session.id));
      say('success', `Signed out ${describeDevice(session.userAgent)}.`);
      heading.current?.focus();
    } catch (error) {
      say('error', describeError(error));
    } finally {
      setRevoking(null);
    }
  }

  async function signOutEverywhere() {
    if (leaving) return;
    setLeaving(true);
    try {
      await onSignOutEverywhere();
    } finally {
      setLeaving(false);
    }
  }

  return (
    <section class="section" aria-labelledby="sessions-heading">
      <div class="section-header">
        <h2 id="sessions-heading" ref={heading} tabIndex={-1}>
          Where you’re signed in
        </h2>
      </div>

      {resource.state === 'loading' && <p class="muted">Loading your sessions…</p>}
      {resource.state === 'failed' && <LoadFailed error={resource.error} onRetry={reload} />}
      {resource.state === 'ready' && (
        <ul class="item-list">
          {[...resource.value].sort(byRelevance).map((session) => {
            const nameId = `session-${session.id}-name`;
            return (
              <li class="item" key={session.id}>
                <div class="item-main">
                  <p class="item-title" id={nameId}>
                    {describeDevice(session.userAgent)}
                    {session.current && <span class="badge badge-accent">This device</span>}
                    {session.deviceBound && (
                      <span class="badge badge-good" title="This browser keeps a key for the session: a copy of its cookie is worthless on another device">
                        Bound to device
                      </span>
                    )}
                  </p>
                  <p class="item-meta">
                    <span>
                      Signed in <time dateTime={session.createdAt}>{formatDate(session.createdAt)}</time>
                    </span>
                    <span>
                      Last active{' '}
                      <time dateTime={session.lastUsedAt} title={formatDateTime(session.lastUsedAt)}>
                        {formatRelative(session.lastUsedAt)}
                      </time>
                    </span>
                  </p>
                </div>
                {!session.current && (
                  <div class="item-actions">
                    <button
                      type="button"
                      class={`button button-small button-secondary${revoking === session.id ? ' is-busy' : ''}`}
                      aria-disabled={revoking ? 'true' : undefined}
                      aria-describedby={nameId}
                      onClick={() => revoke(session)}
                    >
                      Revoke
                    </button>
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}

      <div class="section-footer">
        <p class="hint">Lost a device, or signed in somewhere you shouldn’t have? End every session, this one included.</p>
        <button
          type="button"
          class={`button button-danger${leaving ? ' is-busy' : ''}`}
          aria-disabled={leaving ? 'true' : undefined}
          onClick={signOutEverywhere}
        >
          Sign out everywhere
        </button>
      </div>
    </section>
  );
}
