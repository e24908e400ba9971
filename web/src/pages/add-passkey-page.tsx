/**
 * `/add-passkey`: after a sign-in by email, the offer to add a passkey on this device, so the
 * next sign-in needs no mailbox. Always skippable.
 *
 * Capabilities drive it (`getClientCapabilities()` where present): without WebAuthn it is skipped
 * (a security key can hold a passkey even where no platform authenticator or phone is reported);
 * where the browser offers `conditionalCreate`, the automatic upgrade is tried first
 * (`mediation: "conditional"`: the password manager may add one without a prompt) while the
 * explicit offer stays on screen as the fallback. "Not now" is remembered on this device for this
 * account (lib/device-memory.ts), and the offer is not shown to it again here.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { browserSupportsWebAuthn, isAuthError } from '@sesame/client';
import { useSession } from '../auth-context.js';
import { KeyIcon } from '../components/icons.js';
import { PageHeading } from '../components/page-heading.js';
import { StatusMessage, useStatus } from '../components/status-message.js';
import { ReauthPrompt } from '../components/reauth-prompt.js';
import { t } from '../i18n/i18n.js';
import { deviceMemory } from '../lib/device-memory.js';
import { describeError } from '../lib/error-message.js';
import { finishSignIn } from '../lib/return-to.js';
import { currentLocation, navigate } from '../router.js';

/** Nothing to offer where passkeys cannot work, nor to whom said "Not now" on this device (a new account is asked anyway). */
function skipOffer(userId: string, created: boolean): boolean {
  return !browserSupportsWebAuthn() || (!created && deviceMemory.offerDeclined(userId));
}

export function AddPasskeyPage() {
  const { auth, user } = useSession();
  const created = useRef(currentLocation().state.created === true).current;
  const [busy, setBusy] = useState(false);
  const [needsReauth, setNeedsReauth] = useState(false);
  const { status, setStatus, clearStatus } = useStatus();

  const automatic = useRef<AbortController | null>(null);

  useEffect(() => {
    if (user === null) return void navigate('/', { replace: true });
    if (!user) return;
    if (skipOffer(user.id, created)) return void finishSignIn();
    let live = true;
    void auth.capabilities().then((caps) => {
      if (!live) return;
      if (caps.conditionalCreate === true) void tryAutomaticUpgrade(user.id);
    });
    return () => {
      live = false;
      automatic.current?.abort();
    };
  }, [user?.id]);

  /** The automatic upgrade: quiet unless it works; the explicit offer stays meanwhile. */
  async function tryAutomaticUpgrade(userId: string) {
    const controller = new AbortController();
    automatic.current = controller;
    try {
      const passkey = await auth.addPasskey(undefined, { conditional: true, signal: controller.signal });
      added(userId, passkey.name, t('addPasskey.automatic', { name: passkey.name }));
    } catch {
      // Refused or not offered by the password manager: the explicit offer below is the way.
    } finally {
      if (automatic.current === controller) automatic.current = null;
    }
  }

  function added(userId: string, name: string, notice = t('addPasskey.added', { name })) {
    deviceMemory.clearDeclined(userId);
    deviceMemory.rememberSignIn('passkey', user?.email);
    void finishSignIn({ state: { notice } });
  }

  async function addPasskey() {
    if (busy || !user) return;
    // One ceremony at a time: the modal one replaces the automatic attempt.
    automatic.current?.abort();
    setBusy(true);
    setStatus('info', t('addPasskey.prompt'));
    try {
      const passkey = await auth.addPasskey();
      added(user.id, passkey.name);
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

  // Nothing shown while leaving: not even a flash of the offer.
  if (!user || skipOffer(user.id, created)) return null;

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
        <button
          type="button"
          class={`button button-primary${busy ? ' is-busy' : ''}`}
          aria-disabled={busy ? 'true' : undefined}
          onClick={addPasskey}
        >
          <KeyIcon />
          {t('addPasskey.add')}
        </button>
        <button
          type="button"
          class="button button-secondary"
          onClick={() => {
            automatic.current?.abort();
            deviceMemory.declineOffer(user.id);
            void finishSignIn();
          }}
        >
          {t('addPasskey.notNow')}
        </button>
      </div>
    </div>
  );
}
