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
import { ReauthPrompt } from '../../components/reauth-prompt.js';
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
    if (deviceMemory.lastSignIn().email) deviceMemory.rememberSignIn(deviceMemory.lastSignIn().method ?? 'email', newEmail);
    onChanged(newEmail);
  }

  async function requestChange(newEmail: string): Promise<void> {
    setBusy(true);
    setStatus('info', 'Sending a link to the new address…');
    try {
      await auth.changeEmail(newEmail);
      clearStatus();
      setMode({ kind: 'prove', email: newEmail });
    } catch (error) {
      if (isAuthError(error, 'REAUTH_REQUIRED')) {
        clearStatus();
        setRetry(() => () => requestChange(newEmail));
      } else {
        setStatus('error', describeError(error, { INVALID_REQUEST: 'Enter a valid email address that is not your current one.' }));
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
      setStatus('error', 'Enter the six digits from the email.');
      codeInput.current?.focus();
      return;
    }
    setBusy(true);
    setStatus('info', 'Checking the code…');
    try {
      const changed = await auth.verifyEmailChange({ email: mode.email, code: digits });
      finished(changed.email);
    } catch (error) {
      setStatus('error', describeError(error, { 401: 'That code didn’t work. Check the newest email to the new address, or start again.' }));
      setCode('');
      codeInput.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="section" aria-labelledby="email-heading">
      <div class="section-header">
        <h2 id="email-heading">Email address</h2>
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
            {verified ? 'Change address' : 'Prove an address'}
          </button>
        )}
      </div>
      <p class="account-email">
        <span class="break">{email}</span>
        <span class={`badge ${verified ? 'badge-good' : 'badge-warning'}`}>{verified ? 'Verified' : 'Not verified'}</span>
      </p>
      {verified ? (
        <p class="hint">
          You can always sign in with a link sent to this address.
          {me?.createdAt && ` Account created ${formatDate(me.createdAt)}.`}
        </p>
      ) : (
        <p class="hint">This account has no proved address yet. Prove one, so you can sign in by email if you lose your passkeys.</p>
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
            <label for="new-email">New email address</label>
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
              We’ll send a link and a code there. Your address changes once you prove it; {email} gets a notice.
            </p>
          </div>
          <StatusMessage status={status} />
          <div class="item-actions">
            <button type="submit" class={`button button-small button-primary${busy ? ' is-busy' : ''}`} aria-disabled={busy ? 'true' : undefined}>
              Send a link
            </button>
            <button type="button" class="button button-small button-secondary" onClick={() => setMode({ kind: 'view' })}>
              Cancel
            </button>
          </div>
        </form>
      )}

      {mode.kind === 'prove' && (
        <form class="inline-panel stack" onSubmit={submitCode}>
          <p>
            Check <strong class="break">{mode.email}</strong>: open the link there, or type the six-digit code here.
          </p>
          <div class="field">
            <label for="change-code">Six-digit code</label>
            <input
              ref={codeInput}
              id="change-code"
              class="code-input"
              type="text"
              inputMode="numeric"
              autocomplete="one-time-code"
              maxLength={9}
              value={code}
              onInput={(event) => setCode(event.currentTarget.value)}
            />
          </div>
          <StatusMessage status={status} />
          <div class="item-actions">
            <button type="submit" class={`button button-small button-primary${busy ? ' is-busy' : ''}`} aria-disabled={busy ? 'true' : undefined}>
              Confirm new address
            </button>
            <button type="button" class="button button-small button-secondary" onClick={() => setMode({ kind: 'edit' })}>
              Use another address
            </button>
          </div>
        </form>
      )}
      {mode.kind === 'view' && <StatusMessage status={status} />}
    </section>
  );
}
