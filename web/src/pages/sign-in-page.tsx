/**
 * `/`: the returning person first. A passkey (the button, and autofill on the address field) is
 * offered first, then the address for a link or code; "Create an account" is one clear entry that
 * starts the verify-first flow (address → link or code → the account → the passkey offer).
 * The last address and method used on this device are remembered (lib/device-memory.ts): the
 * address is filled in and the method is the highlighted one. Each message stands next to the
 * control that was used. While an email is awaited the page shows "Check your email", which a
 * reload keeps (lib/pending-email.ts).
 *
 * Only one WebAuthn ceremony can run: the autofill one starts with the page and is aborted
 * before any modal ceremony, then started again if that one does not sign in.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { browserSupportsWebAuthn, browserSupportsWebAuthnAutofill, isAuthError } from '@sesame/client';
import { useSession } from '../auth-context.js';
import { KeyIcon, MailIcon } from '../components/icons.js';
import { PageHeading } from '../components/page-heading.js';
import { StatusMessage, useStatus } from '../components/status-message.js';
import { t } from '../i18n/i18n.js';
import { deviceMemory } from '../lib/device-memory.js';
import { describeError } from '../lib/error-message.js';
import { pendingEmail, type PendingKind } from '../lib/pending-email.js';
import { finishSignIn, pendingReturnTo } from '../lib/return-to.js';
import { currentLocation, replaceState } from '../router.js';
import { CheckEmail } from './check-email.js';
import { passkeyFailure } from './sign-in-messages.js';

/** A passkey challenge lives 5 minutes on the server; renew the autofill one before that. */
const AUTOFILL_RENEW_MS = 4 * 60_000;

type Busy = null | 'email' | 'passkey';
type Step = 'start' | 'create' | 'check-email';

export function SignInPage() {
  const { auth, user, restoreError } = useSession();
  const handOver = useRef(currentLocation().state).current;
  const remembered = useRef(deviceMemory.lastSignIn()).current;
  const [waiting, setWaiting] = useState(() => pendingEmail.read());
  const [step, setStep] = useState<Step>(waiting ? 'check-email' : 'start');
  const [email, setEmail] = useState(handOver.email ?? waiting?.email ?? remembered.email ?? '');
  const [busy, setBusy] = useState<Busy>(null);
  /** True after coming back from another step: the heading takes focus again. */
  const [returned, setReturned] = useState(false);
  const page = useStatus(
    handOver.notice
      ? { tone: 'info', text: handOver.notice }
      : restoreError
        ? restoreError.code === 'NETWORK_ERROR'
          ? { tone: 'error', text: describeError(restoreError) }
          : { tone: 'info', text: t('signIn.restoreFailed') }
        : null,
  );
  const passkeyStatus = useStatus();
  const emailStatus = useStatus();
  const emailInput = useRef<HTMLInputElement>(null);
  const autofill = useRef<{ controller: AbortController; startedAt: number } | null>(null);
  /** Set while this page runs its own sign-in, which decides where to go next. */
  const ownSignIn = useRef(false);
  const canUsePasskeys = browserSupportsWebAuthn();
  const suggestEmail = remembered.method === 'email' || !canUsePasskeys;

  useEffect(() => {
    // A notice is shown once; a reload should not bring it back.
    if (handOver.notice) replaceState({ ...handOver, notice: undefined });
  }, []);

  // Signed in (already, by a passkey here, or by the link confirmed in another tab of this
  // browser, which the auth client's cross-tab channel reports): go where the person was going.
  useEffect(() => {
    if (!user || ownSignIn.current) return;
    const confirmedElsewhere = pendingEmail.read() !== null;
    pendingEmail.clear();
    if (confirmedElsewhere) deviceMemory.rememberSignIn('email', user.email);
    void finishSignIn(confirmedElsewhere ? { state: { notice: t('signIn.confirmedElsewhere') } } : {});
  }, [user]);

  function stopAutofill() {
    autofill.current?.controller.abort();
    autofill.current = null;
  }

  async function startAutofill() {
    stopAutofill();
    // Registered before the first await, so a modal ceremony started meanwhile can cancel it.
    const controller = new AbortController();
    autofill.current = { controller, startedAt: Date.now() };
    if (!(await browserSupportsWebAuthnAutofill()) || controller.signal.aborted) return;
    try {
      await auth.passkeySignIn({ conditional: true, signal: controller.signal });
      deviceMemory.rememberSignIn('passkey', auth.getUser()?.email);
    } catch (error) {
      if (controller.signal.aborted || !isAuthError(error)) return;
      // The autofill request runs unseen until someone picks a passkey: stay quiet about
      // failures before that (options unavailable, prompt dismissed), speak up about a refusal.
      if (error.code === 'PASSKEY_FAILED') console.warn('Sesame: passkey autofill failed', error.cause ?? error);
      if (error.status === 401 || error.status === 429)
        emailStatus.setStatus('error', passkeyFailure(error, remembered.method));
      // A refused assertion (an expired challenge, a removed passkey) may work on a second pick.
      if (error.status === 401 && autofill.current?.controller === controller) void startAutofill();
    }
  }

  useEffect(() => {
    if (step !== 'start' || user) return;
    void startAutofill();
    return stopAutofill;
  }, [step]);

  function renewAutofillIfOld() {
    const current = autofill.current;
    if (current && Date.now() - current.startedAt > AUTOFILL_RENEW_MS) void startAutofill();
  }

  async function signInWithPasskey() {
    if (busy) return;
    stopAutofill();
    setBusy('passkey');
    emailStatus.clearStatus();
    passkeyStatus.setStatus('info', t('signIn.passkeyPrompt'));
    try {
      const { user: signedIn } = await auth.passkeySignIn();
      deviceMemory.rememberSignIn('passkey', signedIn.email);
      passkeyStatus.clearStatus();
    } catch (error) {
      if (isAuthError(error, 'ABORTED')) passkeyStatus.clearStatus();
      else passkeyStatus.setStatus('error', passkeyFailure(error, remembered.method));
      void startAutofill();
    } finally {
      setBusy(null);
    }
  }

  /** Verify-first: both a sign-in and a new account start by proving the address. */
  async function sendEmail(event: Event, kind: PendingKind) {
    event.preventDefault();
    if (busy || !emailInput.current?.reportValidity()) return;
    setBusy('email');
    passkeyStatus.clearStatus();
    emailStatus.setStatus('info', t('signIn.sending'));
    try {
      const address = email.trim();
      await auth.startEmail(address, { returnTo: await pendingReturnTo() });
      stopAutofill();
      emailStatus.clearStatus();
      setWaiting(pendingEmail.started(address, kind));
      setStep('check-email');
    } catch (error) {
      emailStatus.setStatus('error', describeError(error, { INVALID_REQUEST: t('signIn.invalidEmail') }));
    } finally {
      setBusy(null);
    }
  }

  function goTo(next: Step) {
    page.clearStatus();
    passkeyStatus.clearStatus();
    emailStatus.clearStatus();
    setReturned(true);
    setStep(next);
  }

  if (step === 'check-email' && waiting) {
    return (
      <CheckEmail
        pending={waiting}
        onPendingChange={setWaiting}
        onSigningIn={() => {
          ownSignIn.current = true;
        }}
        onSignInFailed={() => {
          ownSignIn.current = false;
        }}
        onBack={() => {
          pendingEmail.clear();
          setWaiting(null);
          goTo(waiting.kind === 'sign_up' ? 'create' : 'start');
        }}
      />
    );
  }

  const emailField = (
    <div class="field">
      <label for="email">{t('signIn.emailLabel')}</label>
      <input
        ref={emailInput}
        id="email"
        name="email"
        type="email"
        autocomplete={step === 'start' ? 'username webauthn' : 'email'}
        inputMode="email"
        autoCapitalize="none"
        spellcheck={false}
        required
        aria-describedby="email-hint"
        value={email}
        onInput={(event) => setEmail(event.currentTarget.value)}
        onFocus={step === 'start' ? renewAutofillIfOld : undefined}
      />
      <p class="hint" id="email-hint">
        {t('signIn.emailHint')}
      </p>
    </div>
  );

  if (step === 'create') {
    // Keyed views: Preact must not reuse one step's buttons for another's (their colours would animate).
    return (
      <div class="card" key="create">
        <header class="card-header">
          <PageHeading title={t('createAccount.title')} focusOnMount={returned}>
            {t('createAccount.heading')}
          </PageHeading>
          <p class="lead">{t('createAccount.lead')}</p>
        </header>
        <StatusMessage status={page.status} />
        <form class="stack" onSubmit={(event) => sendEmail(event, 'sign_up')}>
          {emailField}
          <StatusMessage status={emailStatus.status} />
          <button
            type="submit"
            class={`button button-primary${busy === 'email' ? ' is-busy' : ''}`}
            aria-disabled={busy ? 'true' : undefined}
          >
            <MailIcon />
            {t('createAccount.send')}
          </button>
        </form>
        <p class="hint centered">
          {t('createAccount.haveAccount')}{' '}
          <button type="button" class="button-link" onClick={() => goTo('start')}>
            {t('createAccount.signIn')}
          </button>
        </p>
      </div>
    );
  }

  const welcomeBack = remembered.email && email.trim() === remembered.email;

  return (
    <div class="card" key="start">
      <header class="card-header">
        <PageHeading title={t('signIn.title')} focusOnMount={returned}>
          {t('signIn.heading')}
        </PageHeading>
        {welcomeBack ? (
          <p class="lead">
            {t(remembered.method === 'passkey' ? 'signIn.welcomeBackPasskey' : 'signIn.welcomeBackEmail')}
          </p>
        ) : (
          <p class="lead">{t('signIn.lead')}</p>
        )}
      </header>

      <StatusMessage status={page.status} />

      {canUsePasskeys && (
        <div class="stack">
          <button
            type="button"
            class={`button ${suggestEmail ? 'button-secondary' : 'button-primary'} button-wide${busy === 'passkey' ? ' is-busy' : ''}`}
            aria-disabled={busy ? 'true' : undefined}
            aria-describedby="passkey-hint"
            onClick={signInWithPasskey}
          >
            <KeyIcon />
            {t('signIn.withPasskey')}
          </button>
          <StatusMessage status={passkeyStatus.status} />
          <p class="hint centered" id="passkey-hint">
            {t('signIn.passkeyHint')}
          </p>
        </div>
      )}

      {canUsePasskeys && (
        <div class="divider" role="presentation">
          <span>{t('signIn.orEmail')}</span>
        </div>
      )}

      <form class="stack" onSubmit={(event) => sendEmail(event, 'sign_in')}>
        {emailField}
        <StatusMessage status={emailStatus.status} />
        <button
          type="submit"
          class={`button ${suggestEmail ? 'button-primary' : 'button-secondary'}${busy === 'email' ? ' is-busy' : ''}`}
          aria-disabled={busy ? 'true' : undefined}
        >
          <MailIcon />
          {t('signIn.emailLink')}
        </button>
        {welcomeBack && (
          <button
            type="button"
            class="button-link"
            onClick={() => {
              deviceMemory.forgetSignIn();
              setEmail('');
              emailInput.current?.focus();
            }}
          >
            {t('signIn.notYou', { email: remembered.email ?? '' })}
          </button>
        )}
      </form>

      <div class="signup-entry">
        <p>{t('signIn.newHere')}</p>
        <button type="button" class="button button-secondary" onClick={() => goTo('create')}>
          {t('signIn.createAccount')}
        </button>
      </div>
    </div>
  );
}
