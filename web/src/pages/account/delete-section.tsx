/**
 * Deleting the account: a confirmation that names the address (what goes, that it cannot be
 * undone), then `DELETE /api/me`. It needs a recent sign-in; when the server asks for one the
 * person confirms it is them in place and the deletion is sent again. Afterwards this device
 * forgets the address it remembered for sign-in.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { isAuthError } from '@sesame/client';
import { useSession } from '../../auth-context.js';
import { t } from '../../i18n/i18n.js';
import { ReauthPrompt } from '../../components/reauth-prompt.js';
import { StatusMessage, useStatus } from '../../components/status-message.js';
import { deviceMemory } from '../../lib/device-memory.js';
import { describeError } from '../../lib/error-message.js';
import { navigate } from '../../router.js';

export function DeleteSection({ email, onLeaving }: { email: string; onLeaving(leaving: boolean): void }) {
  const { auth } = useSession();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [needsReauth, setNeedsReauth] = useState(false);
  const { status, setStatus, clearStatus } = useStatus();
  const question = useRef<HTMLParagraphElement>(null);
  const opener = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (confirming) question.current?.focus();
  }, [confirming]);

  function cancel() {
    setConfirming(false);
    setNeedsReauth(false);
    clearStatus();
    queueMicrotask(() => opener.current?.focus());
  }

  async function deleteAccount() {
    if (busy) return;
    setBusy(true);
    setStatus('info', t('accountLife.delete.deleting'));
    // The account page must not take the sign-out that follows for an ordinary one.
    onLeaving(true);
    try {
      await auth.deleteAccount();
      if (deviceMemory.lastSignIn().email === email) deviceMemory.forgetSignIn();
      navigate('/', { replace: true, state: { notice: t('accountLife.delete.done', { email }) } });
    } catch (error) {
      onLeaving(false);
      if (isAuthError(error, 'REAUTH_REQUIRED')) {
        clearStatus();
        setNeedsReauth(true);
      } else setStatus('error', describeError(error));
      setBusy(false);
    }
  }

  return (
    <section class="section section-danger" aria-labelledby="delete-heading">
      <h2 id="delete-heading">{t('accountLife.delete.heading')}</h2>
      <p class="hint">{t('accountLife.delete.hint')}</p>
      {!confirming ? (
        <div>
          <button ref={opener} type="button" class="button button-danger" onClick={() => setConfirming(true)}>
            {t('accountLife.delete.open')}
          </button>
        </div>
      ) : (
        // biome-ignore lint/a11y/noStaticElementInteractions: Escape anywhere in the confirmation cancels it; its buttons are the controls
        <div class="confirm" onKeyDown={(event) => event.key === 'Escape' && cancel()}>
          <p ref={question} tabIndex={-1}>
            {t('accountLife.delete.question', { email })}
          </p>
          {needsReauth && (
            <ReauthPrompt
              email={email}
              onConfirmed={async () => {
                setNeedsReauth(false);
                await deleteAccount();
              }}
              onCancel={cancel}
            />
          )}
          <StatusMessage status={status} />
          <div class="item-actions">
            <button
              type="button"
              class={`button button-small button-danger-solid${busy ? ' is-busy' : ''}`}
              aria-disabled={busy ? 'true' : undefined}
              onClick={deleteAccount}
            >
              {t('accountLife.delete.confirm', { email })}
            </button>
            <button type="button" class="button button-small button-secondary" onClick={cancel}>
              {t('accountLife.delete.keep')}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
