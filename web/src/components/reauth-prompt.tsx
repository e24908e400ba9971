/**
 * Shown in place when the API answers 401 REAUTH_REQUIRED (a sensitive change needs a recent
 * sign-in). Never signs anyone out: the person confirms it is them with a passkey (or, without a
 * usable passkey on this device, an emailed code), which renews this session's proof-of-presence
 * time, and then `onConfirmed` retries the action they asked for. Its one message stands inside it.
 */
import { useRef, useState } from 'preact/hooks';
import { browserSupportsWebAuthn, isAuthError } from '@sesame/client';
import { useSession } from '../auth-context.js';
import { t } from '../i18n/i18n.js';
import { KeyIcon } from './icons.js';
import { CodeField } from './code-field.js';
import { StatusMessage, useStatus } from './status-message.js';
import { deviceMemory } from '../lib/device-memory.js';
import { describeError } from '../lib/error-message.js';

export function ReauthPrompt({
  email,
  onConfirmed,
  onCancel,
}: {
  email: string;
  onConfirmed(): void | Promise<void>;
  onCancel(): void;
}) {
  const { auth } = useSession();
  const [busy, setBusy] = useState<null | 'passkey' | 'send' | 'code'>(null);
  const [codeSent, setCodeSent] = useState(false);
  const [code, setCode] = useState('');
  const { status, setStatus, clearStatus } = useStatus({ tone: 'info', text: t('reauth.intro') });
  const codeInput = useRef<HTMLInputElement>(null);
  const canUsePasskey = browserSupportsWebAuthn();

  async function confirmed() {
    clearStatus();
    await onConfirmed();
  }

  async function withPasskey() {
    if (busy) return;
    setBusy('passkey');
    setStatus('info', t('reauth.passkeyPrompt'));
    try {
      await auth.reauthenticate();
      await confirmed();
    } catch (error) {
      if (isAuthError(error, 'ABORTED')) clearStatus();
      else
        setStatus(
          'error',
          describeError(error, {
            // WebAuthn says the same for both; this device's memory tells which is likely (lib/device-memory.ts).
            PASSKEY_CANCELLED:
              deviceMemory.lastSignIn().method === 'passkey' ? t('reauth.passkeyClosed') : t('reauth.noPasskeyHere'),
            401: t('reauth.passkeyRefused'),
          }),
        );
    } finally {
      setBusy(null);
    }
  }

  async function sendCode() {
    if (busy) return;
    setBusy('send');
    try {
      await auth.startEmail(email);
      setCodeSent(true);
      setStatus('info', t('reauth.codeSent', { email }));
      queueMicrotask(() => codeInput.current?.focus());
    } catch (error) {
      setStatus('error', describeError(error));
    } finally {
      setBusy(null);
    }
  }

  async function verifyCode(event: Event) {
    event.preventDefault();
    if (busy) return;
    const digits = code.replace(/\D/g, '');
    if (digits.length !== 6) {
      setStatus('error', t('reauth.enterSixDigits'));
      codeInput.current?.focus();
      return;
    }
    setBusy('code');
    try {
      // Sent with this session's Bearer: it re-authenticates this session (same sign-in).
      await auth.verifyEmailCode(email, digits);
      await confirmed();
    } catch (error) {
      setStatus('error', describeError(error, { 401: t('reauth.codeRefused') }));
      setCode('');
      codeInput.current?.focus();
    } finally {
      setBusy(null);
    }
  }

  return (
    // biome-ignore lint/a11y/useSemanticElements: a named group of buttons, not form fields; a fieldset would imply a form
    <div class="callout reauth" role="group" aria-label={t('reauth.label')}>
      <StatusMessage status={status} />
      <div class="row-actions">
        {canUsePasskey && (
          <button
            type="button"
            class={`button button-primary${busy === 'passkey' ? ' is-busy' : ''}`}
            aria-disabled={busy ? 'true' : undefined}
            onClick={withPasskey}
          >
            <KeyIcon />
            {t('reauth.usePasskey')}
          </button>
        )}
        <button
          type="button"
          class={`button button-secondary${busy === 'send' ? ' is-busy' : ''}`}
          aria-disabled={busy ? 'true' : undefined}
          onClick={sendCode}
        >
          {codeSent ? t('reauth.sendNewCode') : t('reauth.emailCode')}
        </button>
        <button type="button" class="button-link" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
      {codeSent && (
        <form class="stack" onSubmit={verifyCode}>
          <CodeField
            id="reauth-code"
            label={t('reauth.codeLabel')}
            inputRef={codeInput}
            value={code}
            onValue={setCode}
          />
          <button
            type="submit"
            class={`button button-primary${busy === 'code' ? ' is-busy' : ''}`}
            aria-disabled={busy ? 'true' : undefined}
          >
            {t('reauth.confirm')}
          </button>
        </form>
      )}
    </div>
  );
}
