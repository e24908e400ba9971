/**
 * `/account`: the address and whether it is proven, the passkeys, the sessions, and signing out.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Me } from '@sesame/client';
import { useSession } from '../auth-context.js';
import { PageHeading } from '../components/page-heading.js';
import { StatusMessage, useStatus } from '../components/status-message.js';
import { describeError } from '../lib/error-message.js';
import { formatDate } from '../lib/format-time.js';
import { currentLocation, navigate, replaceState } from '../router.js';
import { PasskeysSection } from './account/passkeys-section.js';
import { SessionsSection } from './account/sessions-section.js';

export function AccountPage() {
  const { auth, user, restoreError, retryRestore } = useSession();
  const handOver = useRef(currentLocation().state).current;
  const { status, setStatus } = useStatus(handOver.notice ? { tone: 'success', text: handOver.notice } : null);
  const [me, setMe] = useState<Me | null>(null);
  const [signingOut, setSigningOut] = useState(false);

  useEffect(() => {
    if (handOver.notice) replaceState({ ...handOver, notice: undefined });
  }, []);

  useEffect(() => {
    // Signed out (here, in another tab, or the session was revoked): back to sign-in, unless a
    // sign-out button of this page is already taking the person there.
    if (user === null && !restoreError && location.pathname === '/account') {
      navigate('/', { replace: true, state: { notice: 'You’re signed out.' } });
    }
  }, [user, restoreError]);

  useEffect(() => {
    if (!user) return;
    auth.me().then(setMe, () => {
      // The session user already says enough; the creation date is a nicety.
    });
  }, [user?.id]);

  async function signOut() {
    if (signingOut) return;
    setSigningOut(true);
    try {
      await auth.logout();
      navigate('/', { replace: true, state: { notice: 'You’re signed out.' } });
    } catch (error) {
      setStatus('error', describeError(error));
      setSigningOut(false);
    }
  }

  async function signOutEverywhere() {
    try {
      await auth.logoutAll();
      navigate('/', { replace: true, state: { notice: 'You’re signed out on every device.' } });
    } catch (error) {
      setStatus('error', describeError(error));
    }
  }

  if (!user) {
    if (!restoreError) return null;
    return (
      <div class="card">
        <header class="card-header">
          <PageHeading title="Your account">Your account</PageHeading>
        </header>
        <StatusMessage status={{ tone: 'error', text: describeError(restoreError), id: 0 }} />
        <button type="button" class="button button-primary" onClick={retryRestore}>
          Try again
        </button>
      </div>
    );
  }

  const verified = me?.emailVerified ?? user.emailVerified;

  return (
    <div class="card card-wide">
      <header class="card-header card-header-row">
        <PageHeading title="Your account">Your account</PageHeading>
        <button
          type="button"
          class={`button button-small button-secondary${signingOut ? ' is-busy' : ''}`}
          aria-disabled={signingOut ? 'true' : undefined}
          onClick={signOut}
        >
          Sign out
        </button>
      </header>

      <StatusMessage status={status} />

      <section class="section" aria-labelledby="email-heading">
        <h2 id="email-heading">Email address</h2>
        <p class="account-email">
          <span class="break">{me?.email ?? user.email}</span>
          <span class={`badge ${verified ? 'badge-good' : 'badge-warning'}`}>{verified ? 'Verified' : 'Not verified'}</span>
        </p>
        {verified ? (
          <p class="hint">
            You can always sign in with a link sent to this address.
            {me?.createdAt && ` Account created ${formatDate(me.createdAt)}.`}
          </p>
        ) : (
          <p class="hint">
            We sent a confirmation link to this address. Open it to confirm that the address is yours.
          </p>
        )}
      </section>

      <PasskeysSection email={user.email} say={setStatus} />
      <SessionsSection say={setStatus} onSignOutEverywhere={signOutEverywhere} />
    </div>
  );
}
