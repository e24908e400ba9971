/**
 * The passkeys of the account: add one here, rename or delete each. Deleting asks once more,
 * in place, because a deleted passkey cannot be brought back.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { browserSupportsWebAuthn, isAuthError, type Passkey } from '@sesame/client';
import { useSession } from '../../auth-context.js';
import { rich, t } from '../../i18n/i18n.js';
import { KeyIcon, PlusIcon } from '../../components/icons.js';
import { LoadFailed } from '../../components/load-failed.js';
import { ReauthPrompt } from '../../components/reauth-prompt.js';
import { StatusMessage, useStatus } from '../../components/status-message.js';
import { describeError } from '../../lib/error-message.js';
import { formatDate, formatDateTime, formatRelative } from '../../lib/format-time.js';
import { useResource } from '../../lib/use-resource.js';

/** The longest passkey name the API takes (API.md). */
const MAX_NAME = 64;

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
      if (!isAuthError(error, 'ABORTED')) failed(error, { PASSKEY_CANCELLED: t('account.passkeys.notAdded') }, addPasskey);
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
      failed(
        error,
        { LAST_PASSKEY: t('accountLife.passkeys.lastOne') },
        () => remove(passkey),
      );
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

/** The password manager's or device's icon (light and dark), from the AAGUID list; a key otherwise. */
function ProviderIcon({ passkey }: { passkey: Passkey }) {
  const { provider } = passkey;
  if (!provider?.iconLight && !provider?.iconDark) {
    return (
      <span class="provider-icon provider-icon-generic" aria-hidden="true">
        <KeyIcon />
      </span>
    );
  }
  const light = provider.iconLight ?? provider.iconDark!;
  return (
    <picture class="provider-icon">
      {provider.iconDark && <source srcset={provider.iconDark} media="(prefers-color-scheme: dark)" />}
      <img src={light} alt="" width={24} height={24} />
    </picture>
  );
}

function PasskeyItem({
  passkey,
  onRename,
  onDelete,
}: {
  passkey: Passkey;
  onRename(passkey: Passkey, name: string): Promise<boolean>;
  onDelete(passkey: Passkey): Promise<boolean>;
}) {
  const [mode, setMode] = useState<'view' | 'rename' | 'delete'>('view');
  const [name, setName] = useState(passkey.name);
  const [busy, setBusy] = useState(false);
  /** Where focus goes after the next render: the control that opened a panel, or the panel. */
  const [focusTarget, setFocusTarget] = useState<'rename-button' | 'delete-button' | 'rename-input' | 'delete-question' | null>(null);
  const refs = {
    'rename-button': useRef<HTMLButtonElement>(null),
    'delete-button': useRef<HTMLButtonElement>(null),
    'rename-input': useRef<HTMLInputElement>(null),
    'delete-question': useRef<HTMLParagraphElement>(null),
  };
  const nameId = `passkey-${passkey.id}-name`;
  const { lastUsedAt } = passkey;

  useEffect(() => {
    if (!focusTarget) return;
    refs[focusTarget].current?.focus();
    if (focusTarget === 'rename-input') refs['rename-input'].current?.select();
    setFocusTarget(null);
  }, [focusTarget]);

  function close(to: 'rename-button' | 'delete-button') {
    setMode('view');
    setFocusTarget(to);
  }

  async function saveName(event: Event) {
    event.preventDefault();
    if (busy) return;
    const trimmed = name.trim();
    if (!trimmed || trimmed === passkey.name) return close('rename-button');
    setBusy(true);
    const ok = await onRename(passkey, trimmed);
    setBusy(false);
    if (ok) close('rename-button');
  }

  async function confirmDelete() {
    if (busy) return;
    setBusy(true);
    const ok = await onDelete(passkey);
    // On success this item is gone and the section heading holds focus.
    if (!ok) {
      setBusy(false);
      close('delete-button');
    }
  }

  return (
    <li class="item">
      <div class="item-main">
        <p class="item-title" id={nameId}>
          <ProviderIcon passkey={passkey} />
          {passkey.name}
        </p>
        <p class="item-meta">
          {passkey.provider && <span class="provider-name">{passkey.provider.name}</span>}
          <span class={`badge ${passkey.backedUp ? 'badge-good' : 'badge-neutral'}`}>{passkey.backedUp ? t('account.passkeys.synced') : t('account.passkeys.notSynced')}</span>
          <span>
            {rich('account.passkeys.addedOn', {
              date: formatDate(passkey.createdAt),
              time: (chunks) => <time dateTime={passkey.createdAt}>{chunks}</time>,
            })}
          </span>
          <span>
            {lastUsedAt
              ? rich('account.passkeys.lastUsed', {
                  when: formatRelative(lastUsedAt),
                  time: (chunks) => (
                    <time dateTime={lastUsedAt} title={formatDateTime(lastUsedAt)}>
                      {chunks}
                    </time>
                  ),
                })
              : t('account.passkeys.neverUsed')}
          </span>
        </p>
        <p class="sr-only">
          {passkey.backedUp ? t('account.passkeys.syncedHint') : t('account.passkeys.notSyncedHint')}
        </p>
      </div>

      {mode === 'view' && (
        <div class="item-actions">
          <button
            ref={refs['rename-button']}
            type="button"
            class="button button-small button-secondary"
            aria-describedby={nameId}
            onClick={() => {
              setName(passkey.name);
              setMode('rename');
              setFocusTarget('rename-input');
            }}
          >
            {t('account.passkeys.rename')}
          </button>
          <button
            ref={refs['delete-button']}
            type="button"
            class="button button-small button-danger"
            aria-describedby={nameId}
            onClick={() => {
              setMode('delete');
              setFocusTarget('delete-question');
            }}
          >
            {t('account.passkeys.delete')}
          </button>
        </div>
      )}

      {mode === 'rename' && (
        <form
          class="inline-form"
          onSubmit={saveName}
          onKeyDown={(event) => {
            if (event.key === 'Escape') close('rename-button');
          }}
        >
          <div class="field">
            <label for={`passkey-${passkey.id}-rename`}>{t('account.passkeys.nameLabel')}</label>
            <input
              ref={refs['rename-input']}
              id={`passkey-${passkey.id}-rename`}
              type="text"
              maxLength={MAX_NAME}
              required
              value={name}
              onInput={(event) => setName(event.currentTarget.value)}
            />
          </div>
          <div class="item-actions">
            <button type="submit" class={`button button-small button-primary${busy ? ' is-busy' : ''}`} aria-disabled={busy ? 'true' : undefined}>
              {t('account.passkeys.save')}
            </button>
            <button type="button" class="button button-small button-secondary" onClick={() => close('rename-button')}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}

      {mode === 'delete' && (
        // biome-ignore lint/a11y/noStaticElementInteractions: Escape anywhere in the confirmation cancels it; its buttons are the controls
        <div
          class="confirm"
          onKeyDown={(event) => {
            if (event.key === 'Escape') close('delete-button');
          }}
        >
          <p ref={refs['delete-question']} tabIndex={-1}>
            {t('account.passkeys.deleteQuestion', { name: passkey.name })}
          </p>
          <div class="item-actions">
            <button
              type="button"
              class={`button button-small button-danger-solid${busy ? ' is-busy' : ''}`}
              aria-disabled={busy ? 'true' : undefined}
              aria-describedby={nameId}
              onClick={confirmDelete}
            >
              {t('account.passkeys.delete')}
            </button>
            <button type="button" class="button button-small button-secondary" onClick={() => close('delete-button')}>
              {t('common.cancel')}
            </button>
          </div>
        </div>
      )}
    </li>
  );
}
