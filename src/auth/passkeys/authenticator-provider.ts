/**
 * Which password manager or device made a passkey, from its AAGUID, by the bundled community list
 * (src/auth/passkeys/aaguid, refreshed with `node scripts/refresh-aaguids.mjs`). Unknown (or all-zero, as
 * "none" attestation often reports) is null.
 */
import { AAGUIDS } from './aaguid/aaguids.generated.js';

export interface AuthenticatorProvider {
  name: string;
  iconLight?: string;
  iconDark?: string;
}

export function providerOf(aaguid: string): AuthenticatorProvider | null {
  return AAGUIDS[aaguid.toLowerCase()] ?? null;
}
