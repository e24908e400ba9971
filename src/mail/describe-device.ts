/** The requesting device in the reader's language ("Firefox on Windows", "Firefox unter Windows"). Runtime-neutral. */
import type { Translator } from '../i18n/translator.js';
import type { DeviceParts } from '../lib/user-agent.js';

export type { DeviceParts };

export function describeDevice(tr: Translator, { browser, system }: DeviceParts): string {
  if (browser && system) return tr.t('mail.device.browserOnSystem', { browser, system });
  if (browser) return tr.t('mail.device.browserOnly', { browser });
  if (system) return tr.t('mail.device.systemOnly', { system });
  return tr.t('mail.device.unknown');
}
