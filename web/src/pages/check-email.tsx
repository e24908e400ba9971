/**
 * The "Check your email" step of `/`: the link finishes sign-in on the device that opens it; the
 * six-digit code, typed here, finishes it on this one (for mail read on another device).
 */
import { useRef, useState } from 'preact/hooks';
import { isAuthError } from '@sesame/client';
import { useSession } from '../auth-context.js';
import { PageHeading } from '../components/page-heading.js';
import { StatusMessage, useStatus } from '../components/status-message.js';
import { describeError } from '../lib/error-message.js';
import { keepReturnTo, pendingReturnTo } from '../lib/return-to.js';
import { navigate } from '../router.js';

export function CheckEmail({
  email,
  onSigningIn,
  onSignInFailed,
  onBack,
}: {
  email: string;
  /** Called before the code is sent, so the page does not redirect on its own meanwhile. */
  onSigningIn(): void;
  onSignInFailed(): void;
  onBack(): void;
}) {
  const { auth } = useSession();
  const [code, setCode] = useState('');
  const [invalid, setInvalid] = useState(false);
  const [busy, setBusy] = useState<null | 'verify' | 'resend'>(null);
  const { status, setStatus, clearStatus } = useStatus();
  const codeInput = useRef<HTMLInputElement>(null);

  async function verify(event: Event) {
    event.preventDefault();
    if (busy) return;
    // People paste "123 456" or "123-456"; only the digits matter.
    const digits = code.replace(/\D/g, '');
    if (digits.length !== 6) {
      setInvalid(true);
      setStatus('error', 'Enter the six digits from the email.');
      codeInput.current?.focus();
      return;
    }
    setInvalid(false);
    setBusy('verify');
    setStatus('info', 'Checking the code…');
    onSigningIn();
    try {
      const { created, returnTo } = await auth.verifyEmailCode(email, digits);
      // The passkey offer comes first; finishing it goes on to returnTo.
      keepReturnTo(returnTo);
      navigate('/add-passkey', { replace: true, state: { created } });
    } catch (error) {
      onSignInFailed();
      setInvalid(isAuthError(error) && error.status === 401);
      setStatus(
        'error',
        describeError(error, {
          401: 'That code didn’t work. It may be mistyped, expired, or replaced by a newer email. Check the newest email, or send a new one.',
          INVALID_REQUEST: 'Enter the six digits from the email.',
        }),
      );
      setCode('');
      codeInput.current?.focus();
    } finally {
      setBusy(null);
    }
  }

  async function resend() {
    if (busy) return;
    setBusy('resend');
    try {
      await auth.startEmail(email, { returnTo: await pendingReturnTo() });
      setCode('');
      setStatus('success', `We sent a new email to ${email}. Earlier links and codes no longer work.`);
    } catch (error) {
      setStatus('error', describeError(error));
    } finally {
      setBusy(null);
    }
  }

  return (
    <div class="card">
      <header class="card-header">
        <PageHeading title="Check your email" focusOnMount>
          Check your email
        </PageHeading>
        <p class="lead">
          We sent a sign-in link and a six-digit code to <strong class="break">{email}</strong>.
        </p>
      </header>

      <ol class="steps">
        <li>Open the link on this device to finish signing in, or</li>
        <li>read the email on another device and type the code here.</li>
      </ol>

      <StatusMessage status={status} />

      <form class="stack" onSubmit={verify}>
        <div class="field">
          <label for="code">Six-digit code</label>
          <input
            ref={codeInput}
            id="code"
            name="code"
            class="code-input"
            type="text"
            inputMode="numeric"
            autocomplete="one-time-code"
            maxLength={9}
            spellcheck={false}
            required
            aria-invalid={invalid ? 'true' : undefined}
            aria-describedby="code-hint"
            value={code}
            onInput={(event) => {
              setCode(event.currentTarget.value);
              if (invalid) setInvalid(false);
            }}
          />
          <p class="hint" id="code-hint">
            The link and the code work once, for a few minutes.
          </p>
        </div>
        <button type="submit" class={`button button-primary${busy === 'verify' ? ' is-busy' : ''}`} aria-disabled={busy ? 'true' : undefined}>
          Verify code
        </button>
      </form>

      <div class="row-actions">
        <button type="button" class="button-link" aria-disabled={busy ? 'true' : undefined} onClick={resend}>
          Send a new email
        </button>
        <button
          type="button"
          class="button-link"
          onClick={() => {
            clearStatus();
            onBack();
          }}
        >
          Use a different address
        </button>
      </div>
    </div>
  );
}
