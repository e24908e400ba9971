/**
 * The "Check your email" step of `/`: the link finishes on the device that opens it (in another
 * tab of this browser, this tab then continues by itself: see sign-in-page.tsx); the six-digit
 * code, typed here, finishes on this one (for mail read on another device).
 *
 * It names the address, survives a reload (lib/pending-email.ts), and paces "Send again" with a
 * visible countdown. When the server's limit refuses another message it says so, and that the
 * latest code still works.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { isAuthError } from '@sesame/client';
import { useSession } from '../auth-context.js';
import { CodeField } from '../components/code-field.js';
import { PageHeading } from '../components/page-heading.js';
import { StatusMessage, useStatus } from '../components/status-message.js';
import { rich, t } from '../i18n/i18n.js';
import { deviceMemory } from '../lib/device-memory.js';
import { describeError } from '../lib/error-message.js';
import { formatTime } from '../lib/format-time.js';
import { formatCountdown, pendingEmail, type PendingEmail } from '../lib/pending-email.js';
import { keepReturnTo, pendingReturnTo } from '../lib/return-to.js';
import { navigate } from '../router.js';

/** The current time, ticking every second until `until` has passed. */
function useNowUntil(until: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (now >= until) return;
    const timer = setInterval(() => {
      const next = Date.now();
      setNow(next);
      if (next >= until) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [until]);
  return now;
}

export function CheckEmail({
  pending,
  onPendingChange,
  onSigningIn,
  onSignInFailed,
  onBack,
}: {
  pending: PendingEmail;
  onPendingChange(next: PendingEmail): void;
  /** Called before the code is sent, so the page does not redirect on its own meanwhile. */
  onSigningIn(): void;
  onSignInFailed(): void;
  onBack(): void;
}) {
  const { auth } = useSession();
  const { email } = pending;
  const [code, setCode] = useState('');
  const [invalid, setInvalid] = useState(false);
  const [busy, setBusy] = useState<null | 'verify' | 'resend'>(null);
  const codeStatus = useStatus();
  const resendStatus = useStatus(pending.limited ? { tone: 'info', text: limitText(pending) } : null);
  const codeInput = useRef<HTMLInputElement>(null);
  const now = useNowUntil(pending.nextSendAt);
  const waitMs = pending.nextSendAt - now;

  async function verify(event: Event) {
    event.preventDefault();
    if (busy) return;
    // People paste "123 456" or "123-456"; only the digits matter.
    const digits = code.replace(/\D/g, '');
    if (digits.length !== 6) {
      setInvalid(true);
      codeStatus.setStatus('error', t('checkEmail.enterSixDigits'));
      codeInput.current?.focus();
      return;
    }
    setInvalid(false);
    setBusy('verify');
    codeStatus.setStatus('info', t('checkEmail.checking'));
    onSigningIn();
    try {
      const { created, returnTo } = await auth.verifyEmailCode(email, digits);
      pendingEmail.clear();
      deviceMemory.rememberSignIn('email', email);
      // The passkey offer comes first; finishing it goes on to returnTo.
      keepReturnTo(returnTo);
      navigate('/add-passkey', { replace: true, state: { created } });
    } catch (error) {
      onSignInFailed();
      setInvalid(isAuthError(error) && error.status === 401);
      codeStatus.setStatus(
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
    if (busy || waitMs > 0) return;
    setBusy('resend');
    codeStatus.clearStatus();
    try {
      await auth.startEmail(email, { returnTo: await pendingReturnTo() });
      onPendingChange(pendingEmail.resent(pending));
      setCode('');
      resendStatus.setStatus('success', t('checkEmail.resent', { email }));
    } catch (error) {
      if (isAuthError(error) && error.status === 429) {
        const limited = pendingEmail.limited(pending, error.retryAfter);
        onPendingChange(limited);
        resendStatus.setStatus('info', limitText(limited));
      } else {
        resendStatus.setStatus('error', describeError(error));
      }
    } finally {
      setBusy(null);
    }
  }

  const signingUp = pending.kind === 'sign_up';

  return (
    <div class="card">
      <header class="card-header">
        <PageHeading title={t('checkEmail.title')} focusOnMount>
          {t('checkEmail.title')}
        </PageHeading>
        <p class="lead">
          {rich(signingUp ? 'checkEmail.leadSignUp' : 'checkEmail.lead', {
            email,
            strong: (chunks) => <strong class="break">{chunks}</strong>,
          })}
        </p>
      </header>

      <ol class="steps">
        <li>{t('checkEmail.stepLink')}</li>
        <li>{t('checkEmail.stepCode')}</li>
      </ol>

      <form class="stack" onSubmit={verify}>
        <CodeField
          id="code"
          name="code"
          label={t('checkEmail.codeLabel')}
          inputRef={codeInput}
          required
          invalid={invalid}
          value={code}
          onValue={(value) => {
            setCode(value);
            if (invalid) setInvalid(false);
          }}
          hint={t('checkEmail.codeHint', { time: formatTime(new Date(pending.sentAt).toISOString()) })}
        />
        <StatusMessage status={codeStatus.status} />
        <button
          type="submit"
          class={`button button-primary${busy === 'verify' ? ' is-busy' : ''}`}
          aria-disabled={busy ? 'true' : undefined}
        >
          {t('checkEmail.verify')}
        </button>
      </form>

      <div class="resend">
        <StatusMessage status={resendStatus.status} />
        <div class="row-actions">
          <button
            type="button"
            class={`button-link${busy === 'resend' ? ' is-busy' : ''}`}
            aria-disabled={busy || waitMs > 0 ? 'true' : undefined}
            onClick={resend}
          >
            {waitMs > 0
              ? rich('checkEmail.sendAgainIn', {
                  time: formatCountdown(waitMs),
                  countdown: (chunks) => <span class="countdown">{chunks}</span>,
                })
              : t('checkEmail.sendAgain')}
          </button>
          <button
            type="button"
            class="button-link"
            onClick={() => {
              codeStatus.clearStatus();
              onBack();
            }}
          >
            {t('checkEmail.otherAddress')}
          </button>
        </div>
      </div>
    </div>
  );
}

function limitText(pending: PendingEmail): string {
  return t('checkEmail.limited', { time: formatTime(new Date(pending.sentAt).toISOString()) });
}
