/**
 * `/`: sign in and sign up in one place. One email field (which also offers passkeys through
 * autofill), a usernameless passkey button, an emailed link (with a code for another device),
 * and passkey sign-up.
 *
 * Only one WebAuthn ceremony can run: the autofill one starts with the page and is aborted
 * before any modal ceremony, then started again if that one does not sign in.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { browserSupportsWebAuthnAutofill, isAuthError } from '@sesame/client';
import { useSession } from '../auth-context.js';
import { KeyIcon, MailIcon } from '../components/icons.js';
import { PageHeading } from '../components/page-heading.js';
import { StatusMessage, useStatus } from '../components/status-message.js';
import { t } from '../i18n/i18n.js';
import { describeError } from '../lib/error-message.js';
import { finishSignIn, pendingReturnTo } from '../lib/return-to.js';
import { currentLocation, replaceState } from '../router.js';
import { CheckEmail } from './check-email.js';

/** A passkey challenge lives 5 minutes on the server; renew the autofill one before that. */
const AUTOFILL_RENEW_MS = 4 * 60_000;

type Busy = null | 'link' | 'passkey' | 'signup';

export function SignInPage() {
  const { auth, user, restoreError } = useSession();
  const handOver = useRef(currentLocation().state).current;
  const [step, setStep] = useState<'start' | 'check-email'>('start');
  const [email, setEmail] = useState(handOver.email ?? '');
  const [busy, setBusy] = useState<Busy>(null);
  /** True after coming back from "Check your email": the heading takes focus again. */
  const [returned, setReturned] = useState(false);
  const { status, setStatus, clearStatus } = useStatus(
    handOver.notice
      ? { tone: 'info', text: handOver.notice }
      : restoreError
        ? restoreError.code === 'NETWORK_ERROR'
          ? { tone: 'error', text: describeError(restoreError) }
          : { tone: 'info', text: t('signIn.restoreFailed') }
        : null,
  );
  const emailInput = useRef<HTMLInputElement>(null);
  const autofill = useRef<{ controller: AbortController; startedAt: number } | null>(null);
  /** Set while this page runs its own sign-in, which decides where to go next. */
  const ownSignIn = useRef(false);

  useEffect(() => {
    // A notice is shown once; a reload should not bring it back.
    if (handOver.notice) replaceState({ ...handOver, notice: undefined });
  }, []);

  // Signed in (already, in another tab, by a passkey here): back to the app that sent us, or the account.
  useEffect(() => {
    if (user && !ownSignIn.current) void finishSignIn();
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
    } catch (error) {
      if (controller.signal.aborted || !isAuthError(error)) return;
      // The autofill request runs unseen until someone picks a passkey: stay quiet about
      // failures before that (options unavailable, prompt dismissed), speak up about a refusal.
      if (error.code === 'PASSKEY_FAILED') console.warn('passkey autofill failed', error.cause ?? error);
      if (error.status === 401 || error.status === 429) {
        setStatus('error', describeError(error, { 401: t('signIn.passkeyRefusedAutofill') }));
      }
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
    setStatus('info', t('signIn.passkeyPrompt'));
    try {
      await auth.passkeySignIn();
      clearStatus();
    } catch (error) {
      if (isAuthError(error, 'ABORTED')) clearStatus();
      else setStatus('error', describeError(error, { 401: t('signIn.passkeyRefused') }));
      void startAutofill();
    } finally {
      setBusy(null);
    }
  }

  async function emailLink(event: Event) {
    event.preventDefault();
    if (busy || !emailInput.current?.reportValidity()) return;
    setBusy('link');
    setStatus('info', t('signIn.sending'));
    try {
      await auth.startEmail(email.trim(), { returnTo: await pendingReturnTo() });
      stopAutofill();
      clearStatus();
      setStep('check-email');
    } catch (error) {
      setStatus('error', describeError(error, { INVALID_REQUEST: t('signIn.invalidEmail') }));
    } finally {
      setBusy(null);
    }
  }

  /** Verify-first: an account is made by proving the address (link or code); the passkey comes right after. */
  async function createAccount() {
    if (busy || !emailInput.current?.reportValidity()) return;
    setBusy('signup');
    setStatus('info', t('signIn.sending'));
    try {
      await auth.startEmail(email.trim(), { returnTo: await pendingReturnTo() });
      stopAutofill();
      clearStatus();
      setStep('check-email');
    } catch (error) {
      setStatus('error', describeError(error, { INVALID_REQUEST: t('signIn.invalidEmail') }));
    } finally {
      setBusy(null);
    }
  }

  if (step === 'check-email') {
    return (
      <CheckEmail
        email={email.trim()}
        onSigningIn={() => {
          ownSignIn.current = true;
        }}
        onSignInFailed={() => {
          ownSignIn.current = false;
        }}
        onBack={() => {
          clearStatus();
          setReturned(true);
          setStep('start');
        }}
      />
    );
  }

  return (
    <div class="card">
      <header class="card-header">
        <PageHeading title={t('signIn.title')} focusOnMount={returned}>
          {t('signIn.heading')}
        </PageHeading>
        <p class="lead">{t('signIn.lead')}</p>
      </header>

      <StatusMessage status={status} />

      <form class="stack" onSubmit={emailLink}>
        <div class="field">
          <label for="email">{t('signIn.emailLabel')}</label>
          <input
            ref={emailInput}
            id="email"
            name="email"
            type="email"
            autocomplete="username webauthn"
            inputMode="email"
            autoCapitalize="none"
            spellcheck={false}
            required
            aria-describedby="email-hint"
            value={email}
            onInput={(event) => setEmail(event.currentTarget.value)}
            onFocus={renewAutofillIfOld}
          />
          <p class="hint" id="email-hint">
            {t('signIn.emailHint')}
          </p>
        </div>
        <button type="submit" class={`button button-primary${busy === 'link' ? ' is-busy' : ''}`} aria-disabled={busy ? 'true' : undefined}>
          <MailIcon />
          {t('signIn.emailLink')}
        </button>
        <button
          type="button"
          class={`button button-secondary${busy === 'signup' ? ' is-busy' : ''}`}
          aria-disabled={busy ? 'true' : undefined}
          onClick={createAccount}
        >
          {t('signIn.createAccount')}
        </button>
      </form>

      <div class="divider" role="presentation">
        <span>{t('signIn.or')}</span>
      </div>

      <button
        type="button"
        class={`button button-secondary button-wide${busy === 'passkey' ? ' is-busy' : ''}`}
        aria-disabled={busy ? 'true' : undefined}
        onClick={signInWithPasskey}
      >
        <KeyIcon />
        {t('signIn.withPasskey')}
      </button>
      <p class="hint centered">{t('signIn.passkeyHint')}</p>
    </div>
  );
}
