/** A list that could not be loaded: why, and a way to try again. */
import { t } from '../i18n/i18n.js';
import { describeError } from '../lib/error-message.js';

export function LoadFailed({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <div class="callout">
      <p>{describeError(error)}</p>
      <button type="button" class="button button-small button-secondary" onClick={onRetry}>
        {t('common.tryAgain')}
      </button>
    </div>
  );
}
