/**
 * One passkey of the account page's list: its provider's icon and name, whether it is synced, when
 * it was added and last used; renamed in place, deleted after one more question in place.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Passkey } from '@sesame/client';
import { rich, t } from '../../i18n/i18n.js';
import { KeyIcon } from '../../components/icons.js';
import { formatDate, formatDateTime, formatRelative } from '../../lib/format-time.js';

/** The longest passkey name the API takes (API.md). */
export const MAX_NAME = 64;

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

export function PasskeyItem({
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
  const [focusTarget, setFocusTarget] = useState<
    'rename-button' | 'delete-button' | 'rename-input' | 'delete-question' | null
  >(null);
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
          <span class={`badge ${passkey.backedUp ? 'badge-good' : 'badge-neutral'}`}>
            {passkey.backedUp ? t('account.passkeys.synced') : t('account.passkeys.notSynced')}
          </span>
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
            <button
              type="submit"
              class={`button button-small button-primary${busy ? ' is-busy' : ''}`}
              aria-disabled={busy ? 'true' : undefined}
            >
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
