/**
 * `/auth/email/verify?token=…` (or `#token=…`): where an emailed link lands. Opening it does
 * nothing by itself (mail scanners open links too); the person sees which address is signing in
 * and confirms, and only that POST uses the token up.
 */
import { useEffect, useState } from 'preact/hooks';
import { isAuthError, type EmailLinkInfo, type User } from '@sesame/client';
import { useSession } from '../auth-context.js';
import { PageHeading } from '../components/page-heading.js';
import { StatusMessage, useStatus } from '../components/status-message.js';
import { deviceMemory } from '../lib/device-memory.js';
import { pendingEmail } from '../lib/pending-email.js';
import { describeError } from '../lib/error-message.js';
import { formatTime } from '../lib/format-time.js';
import { finishSignIn, keepReturnTo } from '../lib/return-to.js';
import { Link, navigate } from '../router.js';

/** The token from the query, or from the fragment (which never reaches server logs). */
export function readLinkToken(search: string, hash: string): string | null {
  const fromQuery = new URLSearchParams(search).get('token');
  const fromHash = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return (fromQuery || fromHash || '').trim() || null;
}

/** 401 codes about this browser's access token rather than about the link. */
const TOKEN_CODES = new Set(['UNAUTHORIZED', 'INVALID_TOKEN', 'SESSION_EXPIRED', 'SESSION_REVOKED']);

type LinkInfoState = { kind: 'loading' } | { kind: 'known'; info: EmailLinkInfo } | { kind: 'invalid' } | { kind: 'unavailable' };

export function VerifyLinkPage() {
  const { auth } = useSession();
  const [token] = useState(() => readLinkToken(location.search, location.hash));
  const [linkInfo, setLinkInfo] = useState<LinkInfoState>({ kind: 'loading' });
  const [expired, setExpired] = useState(false);
  const [busy, setBusy] = useState(false);
  const { status, setStatus, clearStatus } = useStatus();

  useEffect(() => {
    if (!token) return;
    let live = true;
    auth.emailLinkInfo(token).then(
      (info) => live && setLinkInfo(info ? { kind: 'known', info } : { kind: 'invalid' }),
      // The address is a courtesy: without it the person can still confirm.
      () => live && setLinkInfo({ kind: 'unavailable' }),
    );
    return () => {
      live = false;
    };
  }, [token]);

  const email = linkInfo.kind === 'known' ? linkInfo.info.email : undefined;
  const isChange = linkInfo.kind === 'known' && linkInfo.info.purpose === 'change';
  const [changedTo, setChangedTo] = useState<string | null>(null);

  /** A link that proves a new address for an account (POST /auth/email/change/verify). */
  async function confirmChange() {
    if (busy || !token) return;
    setBusy(true);
    setStatus('info', 'Confirming your new address…');
    try {
      // Who is signed in here (waits for the session check of the page load).
      await auth.getAccessToken();
      const signedIn = auth.getUser();
      const changed = await auth.verifyEmailChange({ token });
      if (signedIn?.id === changed.id) {
        await finishSignIn({ state: { notice: `Your address is now ${changed.email}.` } });
        return;
      }
      clearStatus();
      setChangedTo(changed.email);
    } catch (error) {
      if (isAuthError(error) && error.status === 401) {
        clearStatus();
        setExpired(true);
      } else setStatus('error', describeError(error));
      setBusy(false);
    }
  }

  async function confirm() {
    if (busy || !token) return;
    setBusy(true);
    setStatus('info', 'Signing you in…');
    let before: User | null = null;
    try {
      // Who is signed in here already (waits for the session check of the page load).
      await auth.getAccessToken();
      before = auth.getUser();
      const { user, created, returnTo } = await auth.verifyEmailToken(token);
      deviceMemory.rememberSignIn('email', user.email);
      // This tab waited for this mail, perhaps: that wait is over.
      pendingEmail.clear();
      // Kept with the link by the server: the app that asked for it, even on another device.
      keepReturnTo(returnTo);
      // Replace: going Back must not land on a link that is now used up.
      if (before?.id === user.id) {
        // Already signed in as this account: a confirmation of its address, or a spare link.
        const notice = before.emailVerified ? 'You’re signed in.' : 'Your email address is confirmed.';
        await finishSignIn({ state: { notice } });
      } else {
        navigate('/add-passkey', { replace: true, state: { created } });
      }
    } catch (error) {
      // Signed in, the request carried a Bearer: a 401 may be about it rather than the link.
      const aboutTheSession = before !== null && isAuthError(error) && TOKEN_CODES.has(error.code);
      if (isAuthError(error) && error.status === 401 && !aboutTheSession) {
        clearStatus();
        setExpired(true);
      } else {
        setStatus(
          'error',
          describeError(error, {
            // The session of this browser ended meanwhile; the link itself is still unused.
            401: 'You were signed out on this device meanwhile. Press “Confirm sign-in” again to continue.',
          }),
        );
      }
      setBusy(false);
    }
  }

  if (!token) {
    return (
      <div class="card">
        <header class="card-header">
          <PageHeading title="Incomplete link">This link is incomplete</PageHeading>
          <p class="lead">Open the link from your email again, or ask for a new one.</p>
        </header>
        <Link class="button button-primary" href="/">
          Ask for a new link
        </Link>
      </div>
    );
  }

  if (expired) {
    return (
      <div class="card">
        <header class="card-header">
          <PageHeading title="Link expired" focusOnMount>
            This link has expired or was already used
          </PageHeading>
          <p class="lead">Each link works once, for a few minutes, and only the newest email counts.</p>
        </header>
        <Link class="button button-primary" href="/" state={email ? { email } : {}}>
          Ask for a new link
        </Link>
      </div>
    );
  }

  if (changedTo) {
    return (
      <div class="card">
        <header class="card-header">
          <PageHeading title="Address confirmed" focusOnMount>
            Your address is confirmed
          </PageHeading>
          <p class="lead">
            Your account’s address is now <strong class="break">{changedTo}</strong>. Sign in with it from now on.
          </p>
        </header>
        <Link class="button button-primary" href="/" state={{ email: changedTo }}>
          Go to sign-in
        </Link>
      </div>
    );
  }

  if (isChange) {
    return (
      <div class="card">
        <header class="card-header">
          <PageHeading title="Confirm your new address">Confirm your new address</PageHeading>
          <p class="lead">
            Use <strong class="break">{email}</strong> as your Sesame account’s address?
          </p>
        </header>
        <StatusMessage status={status} />
        <button type="button" class={`button button-primary${busy ? ' is-busy' : ''}`} aria-disabled={busy ? 'true' : undefined} onClick={confirmChange}>
          Confirm this address
        </button>
        <p class="hint">Didn’t ask for this? Close this page: nothing changes until you confirm.</p>
      </div>
    );
  }

  return (
    <div class="card">
      <header class="card-header">
        <PageHeading title="Confirm sign-in">Finish signing in</PageHeading>
        {email ? (
          <p class="lead">
            Sign in to Sesame as <strong class="break">{email}</strong> on this device?
          </p>
        ) : (
          <p class="lead">Confirm to finish signing in to Sesame on this device.</p>
        )}
      </header>

      {linkInfo.kind === 'known' && linkInfo.info.expiresAt && (
        <p class="hint">This link works until {formatTime(linkInfo.info.expiresAt)}.</p>
      )}
      {linkInfo.kind === 'invalid' && (
        <p class="notice notice-warning">
          We couldn’t find this link; it may have expired. You can still try, or ask for a new one.
        </p>
      )}

      <StatusMessage status={status} />

      <div class="stack">
        <button type="button" class={`button button-primary${busy ? ' is-busy' : ''}`} aria-disabled={busy ? 'true' : undefined} onClick={confirm}>
          Confirm sign-in
        </button>
        <Link class="button button-secondary" href="/" state={email ? { email } : {}}>
          Ask for a new link
        </Link>
      </div>
      <p class="hint">Didn’t ask to sign in? Close this page: nothing happens until you confirm.</p>
    </div>
  );
}
