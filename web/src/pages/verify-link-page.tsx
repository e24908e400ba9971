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
import { rich, t } from '../i18n/i18n.js';
import { deviceMemory } from '../lib/device-memory.js';
import { describeError } from '../lib/error-message.js';
import { pendingEmail } from '../lib/pending-email.js';
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

type LinkInfoState =
  | { kind: 'loading' }
  | { kind: 'known'; info: EmailLinkInfo }
  | { kind: 'invalid' }
  | { kind: 'unavailable' };

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
    setStatus('info', t('verifyLink.change.confirming'));
    try {
      // Who is signed in here (waits for the session check of the page load).
      await auth.getAccessToken();
      const signedIn = auth.getUser();
      const changed = await auth.verifyEmailChange({ token });
      if (signedIn?.id === changed.id) {
        await finishSignIn({ state: { notice: t('verifyLink.change.done', { email: changed.email }) } });
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
    setStatus('info', t('verifyLink.signingIn'));
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
        const notice = before.emailVerified ? t('verifyLink.signedIn') : t('verifyLink.addressConfirmed');
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
            401: t('verifyLink.signedOutMeanwhile'),
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
          <PageHeading title={t('verifyLink.incomplete.title')}>{t('verifyLink.incomplete.heading')}</PageHeading>
          <p class="lead">{t('verifyLink.incomplete.lead')}</p>
        </header>
        <Link class="button button-primary" href="/">
          {t('verifyLink.askNew')}
        </Link>
      </div>
    );
  }

  if (expired) {
    return (
      <div class="card">
        <header class="card-header">
          <PageHeading title={t('verifyLink.expired.title')} focusOnMount>
            {t('verifyLink.expired.heading')}
          </PageHeading>
          <p class="lead">{t('verifyLink.expired.lead')}</p>
        </header>
        <Link class="button button-primary" href="/" state={email ? { email } : {}}>
          {t('verifyLink.askNew')}
        </Link>
      </div>
    );
  }

  if (changedTo) {
    return (
      <div class="card">
        <header class="card-header">
          <PageHeading title={t('verifyLink.change.doneTitle')} focusOnMount>
            {t('verifyLink.change.doneHeading')}
          </PageHeading>
          <p class="lead">
            {rich('verifyLink.change.doneLead', {
              email: changedTo,
              strong: (chunks) => <strong class="break">{chunks}</strong>,
            })}
          </p>
        </header>
        <Link class="button button-primary" href="/" state={{ email: changedTo }}>
          {t('verifyLink.change.toSignIn')}
        </Link>
      </div>
    );
  }

  if (isChange) {
    return (
      <div class="card">
        <header class="card-header">
          <PageHeading title={t('verifyLink.change.title')}>{t('verifyLink.change.title')}</PageHeading>
          <p class="lead">
            {rich('verifyLink.change.question', {
              email: email ?? '',
              strong: (chunks) => <strong class="break">{chunks}</strong>,
            })}
          </p>
        </header>
        <StatusMessage status={status} />
        <button
          type="button"
          class={`button button-primary${busy ? ' is-busy' : ''}`}
          aria-disabled={busy ? 'true' : undefined}
          onClick={confirmChange}
        >
          {t('verifyLink.change.confirm')}
        </button>
        <p class="hint">{t('verifyLink.change.notYou')}</p>
      </div>
    );
  }

  return (
    <div class="card">
      <header class="card-header">
        <PageHeading title={t('verifyLink.title')}>{t('verifyLink.heading')}</PageHeading>
        {email ? (
          <p class="lead">
            {rich('verifyLink.question', { email, strong: (chunks) => <strong class="break">{chunks}</strong> })}
          </p>
        ) : (
          <p class="lead">{t('verifyLink.questionNoEmail')}</p>
        )}
      </header>

      {linkInfo.kind === 'known' && linkInfo.info.expiresAt && (
        <p class="hint">{t('verifyLink.worksUntil', { time: formatTime(linkInfo.info.expiresAt) })}</p>
      )}
      {linkInfo.kind === 'invalid' && <p class="notice notice-warning">{t('verifyLink.notFound')}</p>}

      <StatusMessage status={status} />

      <div class="stack">
        <button
          type="button"
          class={`button button-primary${busy ? ' is-busy' : ''}`}
          aria-disabled={busy ? 'true' : undefined}
          onClick={confirm}
        >
          {t('verifyLink.confirm')}
        </button>
        <Link class="button button-secondary" href="/" state={email ? { email } : {}}>
          {t('verifyLink.askNew')}
        </Link>
      </div>
      <p class="hint">{t('verifyLink.notYou')}</p>
    </div>
  );
}
