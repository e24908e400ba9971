/**
 * `/account`: the address (and its change), the passkeys, where the account is signed in, recent
 * security activity, signing out, and deleting the account. Each section keeps its own messages
 * next to its controls; this page holds the ones that outlive a section (after a navigation).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Me } from '@sesame/client';
import { useSession } from '../auth-context.js';
import { t } from '../i18n/i18n.js';
import { PageHeading } from '../components/page-heading.js';
import { StatusMessage, useStatus } from '../components/status-message.js';
import { describeError } from '../lib/error-message.js';
import { pendingEmail } from '../lib/pending-email.js';
import { currentLocation, navigate, replaceState } from '../router.js';
import { ActivitySection } from './account/activity-section.js';
import { DeleteSection } from './account/delete-section.js';
import { EmailSection } from './account/email-section.js';
import { PasskeysSection } from './account/passkeys-section.js';
import { SessionsSection } from './account/sessions-section.js';

export function AccountPage() {
  const { auth, user, restoreError, retryRestore } = useSession();
  const handOver = useRef(currentLocation().state).current;
  const { status, setStatus } = useStatus(handOver.notice ? { tone: 'success', text: handOver.notice } : null);
  const [me, setMe] = useState<Me | null>(null);
  const [signingOut, setSigningOut] = useState(false);
  /** Bumped after a change that adds to the activity list. */
  const [activityKey, setActivityKey] = useState(0);
  /** Set while the account is being deleted: the sign-out that follows is not an ordinary one. */
  const leaving = useRef(false);

  useEffect(() => {
    if (handOver.notice) replaceState({ ...handOver, notice: undefined });
  }, []);

  useEffect(() => {
    // Signed out (here, in another tab, or the session was revoked): back to sign-in, unless a
    // sign-out button of this page is already taking the person there.
    if (user === null && !restoreError && !leaving.current && location.pathname === '/account') {
      navigate('/', { replace: true, state: { notice: t('account.signedOut') } });
    }
  }, [user, restoreError]);

  useEffect(() => {
    if (!user) return;
    // Signed in: no email is awaited in this tab any more (a later sign-out starts afresh).
    pendingEmail.clear();
    auth.me().then(setMe, () => {
      // The session user already says enough; the creation date is a nicety.
    });
  }, [user?.id]);

  async function signOut() {
    if (signingOut) return;
    setSigningOut(true);
    try {
      await auth.logout();
      navigate('/', { replace: true, state: { notice: t('account.signedOut') } });
    } catch (error) {
      setStatus('error', describeError(error));
      setSigningOut(false);
    }
  }

  async function signOutEverywhere() {
    try {
      await auth.logoutAll();
      navigate('/', { replace: true, state: { notice: t('account.signedOutEverywhere') } });
    } catch (error) {
      setStatus('error', describeError(error));
    }
  }

  if (!user) {
    if (!restoreError) return null;
    return (
      <div class="card">
        <header class="card-header">
          <PageHeading title={t('account.title')}>{t('account.title')}</PageHeading>
        </header>
        <StatusMessage status={{ tone: 'error', text: describeError(restoreError), id: 0 }} />
        <button type="button" class="button button-primary" onClick={retryRestore}>
          {t('common.tryAgain')}
        </button>
      </div>
    );
  }

  return (
    <div class="card card-wide">
      <header class="card-header card-header-row">
        <PageHeading title={t('account.title')}>{t('account.title')}</PageHeading>
        <button
          type="button"
          class={`button button-small button-secondary${signingOut ? ' is-busy' : ''}`}
          aria-disabled={signingOut ? 'true' : undefined}
          onClick={signOut}
        >
          {t('account.signOut')}
        </button>
      </header>

      <StatusMessage status={status} />

      <EmailSection
        user={user}
        me={me}
        onChanged={(email) => {
          setStatus('success', t('accountLife.email.changed', { email }));
          setActivityKey((key) => key + 1);
        }}
      />
      <PasskeysSection email={user.email} />
      <SessionsSection onSignOutEverywhere={signOutEverywhere} />
      <ActivitySection reloadKey={activityKey} />
      <DeleteSection
        email={user.email}
        onLeaving={(now) => {
          leaving.current = now;
        }}
      />
    </div>
  );
}
