/**
 * Recent security activity (`GET /api/me/activity`, newest first): sign-ins with their method and
 * device, passkeys added and removed, address changes, sessions ended. What a person checks when
 * a notice mail surprised them.
 */
import { useState } from 'preact/hooks';
import type { ActivityEvent } from '@sesame/client';
import { useSession } from '../../auth-context.js';
import { t } from '../../i18n/i18n.js';
import { LoadFailed } from '../../components/load-failed.js';
import { describeDevice } from '../../lib/describe-device.js';
import { formatDateTime, formatRelative } from '../../lib/format-time.js';
import { useResource } from '../../lib/use-resource.js';

/** How many events the page shows before "Show all". */
const FIRST = 8;

export function describeActivity(event: ActivityEvent): string {
  switch (event.type) {
    case 'account_created':
      return t('accountLife.activity.accountCreated');
    case 'sign_in':
      return event.method === 'passkey'
        ? t('accountLife.activity.signInPasskey')
        : event.method === 'email'
          ? t('accountLife.activity.signInEmail')
          : t('accountLife.activity.signIn');
    case 'reauthenticated':
      return t('accountLife.activity.reauthenticated');
    case 'passkey_added':
      return t('accountLife.activity.passkeyAdded');
    case 'passkey_removed':
      return t('accountLife.activity.passkeyRemoved');
    case 'email_changed':
      return t('accountLife.activity.emailChanged');
    case 'session_revoked':
      return t('accountLife.activity.sessionRevoked');
    case 'signed_out_everywhere':
      return t('accountLife.activity.signedOutEverywhere');
    default:
      return t('accountLife.activity.other');
  }
}

export function ActivitySection({ reloadKey }: { reloadKey: number }) {
  const { auth } = useSession();
  const { resource, reload } = useResource(() => auth.activity(), reloadKey);
  const [all, setAll] = useState(false);

  return (
    <section class="section" aria-labelledby="activity-heading">
      <div class="section-header">
        <h2 id="activity-heading">{t('accountLife.activity.heading')}</h2>
      </div>
      {resource.state === 'loading' && <p class="muted">{t('accountLife.activity.loading')}</p>}
      {resource.state === 'failed' && <LoadFailed error={resource.error} onRetry={reload} />}
      {resource.state === 'ready' &&
        (resource.value.length === 0 ? (
          <p class="muted">{t('accountLife.activity.none')}</p>
        ) : (
          <>
            <ul class="activity-list">
              {(all ? resource.value : resource.value.slice(0, FIRST)).map((event, index) => (
                <li class="activity" key={`${event.at}-${index}`}>
                  <span class="activity-what">{describeActivity(event)}</span>
                  <span class="activity-meta">
                    <time dateTime={event.at} title={formatDateTime(event.at)}>
                      {formatRelative(event.at)}
                    </time>
                    {event.userAgent && <span>{describeDevice(event.userAgent)}</span>}
                    {event.ip && <span class="activity-ip">{event.ip}</span>}
                  </span>
                </li>
              ))}
            </ul>
            {!all && resource.value.length > FIRST && (
              <button type="button" class="button-link" onClick={() => setAll(true)}>
                {t('accountLife.activity.showAll', { count: resource.value.length })}
              </button>
            )}
          </>
        ))}
    </section>
  );
}
