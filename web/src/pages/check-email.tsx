/**
 * The "Check your email" step of `/`: the link finishes sign-in on the device that opens it; the
 * six-digit code, typed here, finishes it on this one (for mail read on another device).
 */
import { useRef, useState } from 'preact/hooks';
import { isAuthError } from '@sesame/client';
import { useSession } from '../auth-context.js';
import { PageHeading } from '../components/page-heading.js';
import { StatusMessage, useStatus } from '../components/status-message.js';
import { rich, t } from '../i18n/i18n.js';
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
      setStatus('error', t('checkEmail.enterSixDigits'));
      codeInput.current?.focus();
      return;
    }
    setInvalid(false);
    setBusy('verify');
    setStatus('info', t('checkEmail.checking'));
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
          401: t('checkEmail.codeRefused'),
          INVALID_REQUEST: t('checkEmail.enterSixDigits'),
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
      setStatus('success', t('checkEmail.resent', { email }));
    } catch (error) {
      setStatus('error', describeError(error));
    } finally {
      setBusy(null);
    }
  }

  return (
    <div class="card">
      <header class="card-header">
        <PageHeading title={t('checkEmail.title')} focusOnMount>
          {t('checkEmail.title')}
        </PageHeading>
        <p class="lead">{rich('checkEmail.lead', { email, strong: (chunks) => <strong class="break">{chunks}</strong> })}</p>
      </header>

      <ol class="steps">
        <li>{t('checkEmail.stepLink')}</li>
        <li>{t('checkEmail.stepCode')}</li>
      </ol>

      <StatusMessage status={status} />

      <form class="stack" onSubmit={verify}>
        <div class="field">
          <label for="code">{t('checkEmail.codeLabel')}</label>
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
            {t('checkEmail.codeHint')}
          </p>
        </div>
        <button type="submit" class={`button button-primary${busy === 'verify' ? ' is-busy' : ''}`} aria-disabled={busy ? 'true' : undefined}>
          {t('checkEmail.verify')}
        </button>
      </form>

      <div class="row-actions">
        <button type="button" class="button-link" aria-disabled={busy ? 'true' : undefined} onClick={resend}>
          {t('checkEmail.resend')}
        </button>
        <button
          type="button"
          class="button-link"
          onClick={() => {
            clearStatus();
            onBack();
          }}
        >
          {t('checkEmail.otherAddress')}
        </button>
      </div>
    </div>
  );
}
