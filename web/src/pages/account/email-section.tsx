/**
 * The account's address and its change: the new address must be proved (a link, or the code typed
 * here), the old one gets a notice. A change needs a recent sign-in; when the server asks for one
 * (REAUTH_REQUIRED) the person confirms it is them in place and the request is sent again.
 * A link confirmed in another tab of this browser updates this page too (the auth client renews
 * the token there and shares it).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { isAuthError, type Me, type User } from '@sesame/client';
import { useSession } from '../../auth-context.js';
import { rich, t } from '../../i18n/i18n.js';
import { ReauthPrompt } from '../../components/reauth-prompt.js';
import { CodeField } from '../../components/code-field.js';
import { StatusMessage, useStatus } from '../../components/status-message.js';
import { deviceMemory } from '../../lib/device-memory.js';
import { describeError } from '../../lib/error-message.js';
import { formatDate } from '../../lib/format-time.js';

type Mode = { kind: 'view' } | { kind: 'edit' } | { kind: 'prove'; email: string };

export function EmailSection({ user, me, onChanged }: { user: User; me: Me | null; onChanged(email: string): void }) {
  const { auth } = useSession();
  const [mode, setMode] = useState<Mode>({ kind: 'view' });
  const [draft, setDraft] = useState('');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [retry, setRetry] = useState<null | (() => Promise<void>)>(null);
  const { status, setStatus, clearStatus } = useStatus();
  const input = useRef<HTMLInputElement>(null);
  const codeInput = useRef<HTMLInputElement>(null);
  const email = user.email;
  const verified = user.emailVerified;

  // The new address proved elsewhere (a link in another tab or on another device of this session).
  useEffect(() => {
    if (mode.kind === 'prove' && email === mode.email) finished(email);
  }, [email]);

  useEffect(() => {
    if (mode.kind === 'edit') input.current?.focus();
    if (mode.kind === 'prove') codeInput.current?.focus();
  }, [mode.kind]);

  function finished(newEmail: string) {
    setMode({ kind: 'view' });
    setCode('');
    clearStatus();
    // This device signs in with the new address from now on.
    if (deviceMemory.lastSignIn().email)
      deviceMemory.rememberSignIn(deviceMemory.lastSignIn().method ?? 'email', newEmail);
    onChanged(newEmail);
  }

  async function requestChange(newEmail: string): Promise<void> {
    setBusy(true);
    setStatus('info', t('accountLife.email.sending'));
    try {
      await auth.changeEmail(newEmail);
      clearStatus();
      setMode({ kind: 'prove', email: newEmail });
    } catch (error) {
      if (isAuthError(error, 'REAUTH_REQUIRED')) {
        clearStatus();
        setRetry(() => () => requestChange(newEmail));
      } else {
        setStatus('error', describeError(error, { INVALID_REQUEST: t('accountLife.email.invalid') }));
      }
    } finally {
      setBusy(false);
    }
  }

  async function submitNew(event: Event) {
    event.preventDefault();
    if (busy || !input.current?.reportValidity()) return;
    await requestChange(draft.trim());
  }

  async function submitCode(event: Event) {
    event.preventDefault();
    if (busy || mode.kind !== 'prove') return;
    const digits = code.replace(/\D/g, '');
    if (digits.length !== 6) {
      setStatus('error', t('accountLife.email.enterSixDigits'));
      codeInput.current?.focus();
      return;
    }
    setBusy(true);
    setStatus('info', t('accountLife.email.checking'));
    try {
      const changed = await auth.verifyEmailChange({ email: mode.email, code: digits });
      finished(changed.email);
    } catch (error) {
      setStatus('error', describeError(error, { 401: t('accountLife.email.codeRefused') }));
      setCode('');
      codeInput.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="section" aria-labelledby="email-heading">
      <div class="section-header">
        <h2 id="email-heading">{t('accountLife.email.heading')}</h2>
        {mode.kind === 'view' && (
          <button
            type="button"
            class="button button-small button-secondary"
            onClick={() => {
              setDraft('');
              clearStatus();
              setMode({ kind: 'edit' });
            }}
          >
            {verified ? t('accountLife.email.change') : t('accountLife.email.prove')}
          </button>
        )}
      </div>
      <p class="account-email">
        <span class="break">{email}</span>
        <span class={`badge ${verified ? 'badge-good' : 'badge-warning'}`}>
          {verified ? t('accountLife.email.verified') : t('accountLife.email.notVerified')}
        </span>
      </p>
      {verified ? (
        <p class="hint">
          {t('accountLife.email.hintVerified')}
          {me?.createdAt && ` ${t('accountLife.email.created', { date: formatDate(me.createdAt) })}`}
        </p>
      ) : (
        <p class="hint">{t('accountLife.email.hintReleased')}</p>
      )}

      {retry && (
        <ReauthPrompt
          email={email}
          onConfirmed={async () => {
            const again = retry;
            setRetry(null);
            await again();
          }}
          onCancel={() => setRetry(null)}
        />
      )}

      {mode.kind === 'edit' && (
        <form class="inline-panel stack" onSubmit={submitNew}>
          <div class="field">
            <label for="new-email">{t('accountLife.email.newLabel')}</label>
            <input
              ref={input}
              id="new-email"
              type="email"
              autocomplete="email"
              inputMode="email"
              autoCapitalize="none"
              spellcheck={false}
              required
              aria-describedby="new-email-hint"
              value={draft}
              onInput={(event) => setDraft(event.currentTarget.value)}
            />
            <p class="hint" id="new-email-hint">
              {t('accountLife.email.newHint', { email })}
            </p>
          </div>
          <StatusMessage status={status} />
          <div class="item-actions">
            <button
              type="submit"
              class={`button button-small button-primary${busy ? ' is-busy' : ''}`}
              aria-disabled={busy ? 'true' : undefined}
            >
              {t('accountLife.email.sendLink')}
            </button>
            <button
              type="button"
              class="button button-small button-secondary"
              onClick={() => setMode({ kind: 'view' })}
            >
              {t('accountLife.email.cancel')}
            </button>
          </div>
        </form>
      )}

      {mode.kind === 'prove' && (
        <form class="inline-panel stack" onSubmit={submitCode}>
          <p>
            {rich('accountLife.email.check', {
              email: mode.email,
              strong: (chunks) => <strong class="break">{chunks}</strong>,
            })}
          </p>
          <CodeField
            id="change-code"
            label={t('accountLife.email.codeLabel')}
            inputRef={codeInput}
            value={code}
            onValue={setCode}
          />
          <StatusMessage status={status} />
          <div class="item-actions">
            <button
              type="submit"
              class={`button button-small button-primary${busy ? ' is-busy' : ''}`}
              aria-disabled={busy ? 'true' : undefined}
            >
              {t('accountLife.email.confirm')}
            </button>
            <button
              type="button"
              class="button button-small button-secondary"
              onClick={() => setMode({ kind: 'edit' })}
            >
              {t('accountLife.email.another')}
            </button>
          </div>
        </form>
      )}
      {mode.kind === 'view' && <StatusMessage status={status} />}
    </section>
  );
}
