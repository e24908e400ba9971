/**
 * describeDevice in the page's language ("Chrome on macOS", "Chrome unter macOS"), from the same
 * User-Agent parts the server uses (src/lib/user-agent.ts), and this browser's own name, for
 * naming a passkey created here.
 */
import { productToken } from '../../../src/lib/describe-device.js';
import { deviceParts } from '../../../src/lib/user-agent.js';
import { t } from '../i18n/i18n.js';

export function describeDevice(userAgent: string | null | undefined): string {
  if (!userAgent) return t('common.device.unknown');
  const { browser, system } = deviceParts(userAgent);
  if (browser && system) return t('common.device.browserOnSystem', { browser, system });
  return browser ?? system ?? productToken(userAgent) ?? t('common.device.unknown');
}

/** This browser's own name, for naming a passkey created here. */
export function thisDeviceName(): string {
  return describeDevice(typeof navigator === 'undefined' ? null : navigator.userAgent);
}
