/**
 * Where the account is signed in: one entry per sign-in, with how and when it signed in, this
 * device marked; sign out any other one, or every one at once (after a confirmation, like deletion).
 * A session's marks come from SessionBadges (session-badges.tsx): new marks go there.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SessionInfo } from '@sesame/client';
import { useSession } from '../../auth-context.js';
import { rich, t } from '../../i18n/i18n.js';
import { StatusMessage, useStatus } from '../../components/status-message.js';
import { describeDevice } from '../../lib/describe-device.js';
import { LoadFailed } from '../../components/load-failed.js';
import { describeError } from '../../lib/error-message.js';
import { formatDateTime, formatRelative } from '../../lib/format-time.js';
import { useResource } from '../../lib/use-resource.js';
import { SessionBadges, SignedInOn } from './session-badges.js';

function byRelevance(a: SessionInfo, b: SessionInfo): number {
  if (a.current !== b.current) return a.current ? -1 : 1;
  return b.lastUsedAt.localeCompare(a.lastUsedAt);
}

export function SessionsSection({ onSignOutEverywhere }: { onSignOutEverywhere(): Promise<void> }) {
  const { auth } = useSession();
  // The section's own messages, next to its controls.
  const { status, setStatus: say } = useStatus();
  const { resource, reload, update } = useResource(() => auth.listSessions());
  const [revoking, setRevoking] = useState<string | null>(null);
  const [leaving, setLeaving] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const question = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    if (confirming) question.current?.focus();
  }, [confirming]);

  async function revoke(session: SessionInfo) {
    if (revoking) return;
    setRevoking(session.id);
    try {
      await auth.revokeSession(session.id);
      update((sessions) => sessions.filter((existing) => existing.id !== session.id));
      say('success', t('account.sessions.revoked', { device: describeDevice(session.userAgent) }));
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

  function closeConfirm() {
    setConfirming(false);
    queueMicrotask(() => opener.current?.focus());
  }

  return (
    <section class="section" aria-labelledby="sessions-heading">
      <div class="section-header">
        <h2 id="sessions-heading" ref={heading} tabIndex={-1}>
          {t('account.sessions.heading')}
        </h2>
      </div>
      <StatusMessage status={status} />

      {resource.state === 'loading' && <p class="muted">{t('account.sessions.loading')}</p>}
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
                    <SessionBadges session={session} />
                  </p>
                  <p class="item-meta">
                    <span>
                      <SignedInOn session={session} />
                    </span>
                    <span>
                      {rich('account.sessions.lastActive', {
                        when: formatRelative(session.lastUsedAt),
                        time: (chunks) => (
                          <time dateTime={session.lastUsedAt} title={formatDateTime(session.lastUsedAt)}>
                            {chunks}
                          </time>
                        ),
                      })}
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
                      {t('account.sessions.revoke')}
                    </button>
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}

      <div class="section-footer">
        <p class="hint">{t('account.sessions.everywhereHint')}</p>
        {!confirming ? (
          <button ref={opener} type="button" class="button button-danger" onClick={() => setConfirming(true)}>
            {t('accountLife.sessions.everywhereOpen')}
          </button>
        ) : (
          // biome-ignore lint/a11y/noStaticElementInteractions: Escape anywhere in the confirmation cancels it; its buttons are the controls
          <div class="confirm" onKeyDown={(event) => event.key === 'Escape' && closeConfirm()}>
            <p ref={question} tabIndex={-1}>
              {t('accountLife.sessions.everywhereQuestion')}
            </p>
            <div class="item-actions">
              <button
                type="button"
                class={`button button-small button-danger-solid${leaving ? ' is-busy' : ''}`}
                aria-disabled={leaving ? 'true' : undefined}
                onClick={signOutEverywhere}
              >
                {t('accountLife.sessions.everywhereConfirm')}
              </button>
              <button type="button" class="button button-small button-secondary" onClick={closeConfirm}>
                {t('common.cancel')}
              </button>
            </div>
          </div>
        )}
      </div>
    </section>
  );
}
