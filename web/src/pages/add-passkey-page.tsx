/**
 * `/add-passkey`: after a sign-in by email, the offer to add a passkey on this device, so the
 * next sign-in needs no mailbox. Always skippable.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { browserSupportsWebAuthn, isAuthError } from '@sesame/client';
import { useSession } from '../auth-context.js';
import { KeyIcon } from '../components/icons.js';
import { PageHeading } from '../components/page-heading.js';
import { StatusMessage, useStatus } from '../components/status-message.js';
import { ReauthPrompt } from '../components/reauth-prompt.js';
import { t } from '../i18n/i18n.js';
import { describeError } from '../lib/error-message.js';
import { finishSignIn } from '../lib/return-to.js';
import { currentLocation, navigate } from '../router.js';

export function AddPasskeyPage() {
  const { auth, user } = useSession();
  const created = useRef(currentLocation().state.created === true).current;
  const [busy, setBusy] = useState(false);
  const [needsReauth, setNeedsReauth] = useState(false);
  const { status, setStatus, clearStatus } = useStatus();

  useEffect(() => {
    if (user === null) navigate('/', { replace: true });
    // Nothing to offer where passkeys cannot work.
    else if (!browserSupportsWebAuthn()) void finishSignIn();
  }, [user]);

  async function addPasskey() {
    if (busy) return;
    setBusy(true);
    setStatus('info', t('addPasskey.prompt'));
    try {
      const passkey = await auth.addPasskey();
      await finishSignIn({ state: { notice: t('addPasskey.added', { name: passkey.name }) } });
    } catch (error) {
      if (isAuthError(error, 'REAUTH_REQUIRED')) {
        // Never a sign-out: confirm in place, then the passkey is added.
        clearStatus();
        setNeedsReauth(true);
      } else if (isAuthError(error, 'ABORTED')) clearStatus();
      else
        setStatus(
          'error',
          describeError(error, {
            PASSKEY_CANCELLED: t('addPasskey.cancelled'),
          }),
        );
      setBusy(false);
    }
  }

  if (!user) return null;

  return (
    <div class="card">
      <header class="card-header">
        {created && <p class="eyebrow">{t('addPasskey.welcome')}</p>}
        <PageHeading title={t('addPasskey.title')}>{t('addPasskey.heading')}</PageHeading>
        <p class="lead">{t('addPasskey.lead')}</p>
      </header>

      <ul class="benefits">
        <li>{t('addPasskey.benefitNothingToType')}</li>
        <li>{t('addPasskey.benefitPhishing')}</li>
        <li>{t('addPasskey.benefitSync')}</li>
      </ul>

      <StatusMessage status={status} />
      {needsReauth && (
        <ReauthPrompt
          email={user.email}
          onConfirmed={async () => {
            setNeedsReauth(false);
            await addPasskey();
          }}
          onCancel={() => setNeedsReauth(false)}
        />
      )}

      <div class="stack">
        <button type="button" class={`button button-primary${busy ? ' is-busy' : ''}`} aria-disabled={busy ? 'true' : undefined} onClick={addPasskey}>
          <KeyIcon />
          {t('addPasskey.add')}
        </button>
        <button type="button" class="button button-secondary" onClick={() => void finishSignIn()}>
          {t('addPasskey.notNow')}
        </button>
      </div>
    </div>
  );
}
