/**
 * The passkeys of the account: add one here, rename or delete each (one entry: passkey-item.tsx).
 * Deleting asks once more, in place, because a deleted passkey cannot be brought back.
 */
import { useRef, useState } from 'preact/hooks';
import { browserSupportsWebAuthn, isAuthError, type Passkey } from '@sesame/client';
import { useSession } from '../../auth-context.js';
import { t } from '../../i18n/i18n.js';
import { PlusIcon } from '../../components/icons.js';
import { LoadFailed } from '../../components/load-failed.js';
import { ReauthPrompt } from '../../components/reauth-prompt.js';
import { StatusMessage, useStatus } from '../../components/status-message.js';
import { describeError } from '../../lib/error-message.js';
import { useResource } from '../../lib/use-resource.js';
import { MAX_NAME, PasskeyItem } from './passkey-item.js';

export function PasskeysSection({ email }: { email: string }) {
  const { auth } = useSession();
  // The section's own messages, next to its controls.
  const { status, setStatus: say, clearStatus } = useStatus();
  const { resource, reload, update } = useResource(() => auth.listPasskeys());
  const [adding, setAdding] = useState(false);
  /** The action a REAUTH_REQUIRED stopped, retried once the person has confirmed it's them. */
  const [retry, setRetry] = useState<null | (() => Promise<unknown>)>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const canAdd = browserSupportsWebAuthn();

  function failed(error: unknown, overrides: Record<string, string> = {}, again?: () => Promise<unknown>) {
    // Never a sign-out: confirm in place, then do what was asked.
    if (isAuthError(error, 'REAUTH_REQUIRED') && again) {
      // The prompt speaks now; a "Follow your browser's prompt" left above it would be stale.
      clearStatus();
      setRetry(() => again);
      return;
    }
    say('error', describeError(error, overrides));
  }

  async function addPasskey() {
    if (adding) return;
    setAdding(true);
    say('info', t('account.passkeys.prompt'));
    try {
      const passkey = await auth.addPasskey();
      update((passkeys) => [...passkeys.filter((existing) => existing.id !== passkey.id), passkey]);
      say('success', t('account.passkeys.added', { name: passkey.name }));
    } catch (error) {
      if (!isAuthError(error, 'ABORTED'))
        failed(error, { PASSKEY_CANCELLED: t('account.passkeys.notAdded') }, addPasskey);
    } finally {
      setAdding(false);
    }
  }

  async function rename(passkey: Passkey, name: string): Promise<boolean> {
    try {
      const renamed = await auth.renamePasskey(passkey.id, name);
      update((passkeys) => passkeys.map((existing) => (existing.id === renamed.id ? renamed : existing)));
      say('success', t('account.passkeys.renamed', { name: renamed.name }));
      return true;
    } catch (error) {
      failed(error, { INVALID_REQUEST: t('account.passkeys.badName', { max: MAX_NAME }) });
      return false;
    }
  }

  async function remove(passkey: Passkey): Promise<boolean> {
    try {
      await auth.deletePasskey(passkey.id);
      update((passkeys) => passkeys.filter((existing) => existing.id !== passkey.id));
      say('success', t('account.passkeys.deleted', { name: passkey.name }));
      heading.current?.focus();
      return true;
    } catch (error) {
      failed(error, { LAST_PASSKEY: t('accountLife.passkeys.lastOne') }, () => remove(passkey));
      return false;
    }
  }

  return (
    <section class="section" aria-labelledby="passkeys-heading">
      <div class="section-header">
        <h2 id="passkeys-heading" ref={heading} tabIndex={-1}>
          {t('account.passkeys.heading')}
        </h2>
        {canAdd && (
          <button
            type="button"
            class={`button button-small button-secondary${adding ? ' is-busy' : ''}`}
            aria-disabled={adding ? 'true' : undefined}
            onClick={addPasskey}
          >
            <PlusIcon />
            {t('account.passkeys.add')}
          </button>
        )}
      </div>
      <StatusMessage status={status} />
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

      {resource.state === 'loading' && <p class="muted">{t('account.passkeys.loading')}</p>}
      {resource.state === 'failed' && <LoadFailed error={resource.error} onRetry={reload} />}
      {resource.state === 'ready' &&
        (resource.value.length === 0 ? (
          <p class="muted">{t('account.passkeys.none')}</p>
        ) : (
          <ul class="item-list">
            {[...resource.value]
              .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
              .map((passkey) => (
                <PasskeyItem key={passkey.id} passkey={passkey} onRename={rename} onDelete={remove} />
              ))}
          </ul>
        ))}
    </section>
  );
}
