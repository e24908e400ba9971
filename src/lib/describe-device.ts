/**
 * describeDevice: a short English name for a User-Agent string ("Chrome on macOS"), for account
 * activity and a new passkey's default name (stored data). The pages say the same in the reader's
 * language (web/src/lib/describe-device.ts), mails too (src/mail/describe-device.ts), from the same
 * parts. Best effort; never throws. Runtime-neutral, shared with the pages.
 */
import { deviceParts } from './user-agent.js';

/** A non-browser client (curl, an SDK): its product token ("curl/8.5.0") is the most useful name. */
export function productToken(userAgent: string): string | null {
  const product = /^[\w.-]+(?:\/[\w.-]+)?/.exec(userAgent)?.[0];
  return product ? product.slice(0, 40) : null;
}

export function describeDevice(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown device';
  const { browser, system } = deviceParts(userAgent);
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? productToken(userAgent) ?? 'Unknown device';
}
