/**
 * describeDevice (one copy, shared with the server: src/auth/describe-device.ts) and this
 * browser's own name, for naming a passkey created here.
 */
import { describeDevice } from '../../../src/auth/describe-device.js';

export { describeDevice };

/** This browser's own name, for naming a passkey created here. */
export function thisDeviceName(): string {
  return describeDevice(typeof navigator === 'undefined' ? null : navigator.userAgent);
}
