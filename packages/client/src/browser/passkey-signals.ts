/**
 * The WebAuthn Signal API (Level 3 §5.1.10) and client capabilities, feature-detected.
 *
 * Signals tell the browser, and through it the password manager, what the server knows: which
 * passkeys of an account it still accepts (a deleted one then disappears from the manager), that a
 * credential it was offered is unknown (deleted elsewhere), and the account's current name (after an
 * address change). They are best effort by design: where the browser lacks a method nothing is
 * sent, and a failure never reaches the person (it is logged for developers).
 */
import type { Base64URLString } from './types.js';

/** What `GET /auth/passkeys` answers besides the list: the RP id and the account's user handle. */
export interface PasskeyAccount {
  rpId: string;
  userHandle: Base64URLString;
}

/** `PublicKeyCredential.getClientCapabilities()` (WebAuthn L3), as booleans; {} where it is missing. */
export type ClientCapabilities = Partial<
  Record<
    | 'conditionalCreate'
    | 'conditionalGet'
    | 'hybridTransport'
    | 'passkeyPlatformAuthenticator'
    | 'userVerifyingPlatformAuthenticator'
    | 'relatedOrigins'
    | 'signalAllAcceptedCredentials'
    | 'signalCurrentUserDetails'
    | 'signalUnknownCredential',
    boolean
  >
>;

type SignalMethods = {
  signalAllAcceptedCredentials?: (options: {
    rpId: string;
    userId: string;
    allAcceptedCredentialIds: string[];
  }) => Promise<void>;
  signalUnknownCredential?: (options: { rpId: string; credentialId: string }) => Promise<void>;
  signalCurrentUserDetails?: (options: {
    rpId: string;
    userId: string;
    name: string;
    displayName: string;
  }) => Promise<void>;
  getClientCapabilities?: () => Promise<Record<string, boolean>>;
};

function publicKeyCredential(): SignalMethods | null {
  const pkc = (globalThis as { PublicKeyCredential?: unknown }).PublicKeyCredential;
  return typeof pkc === 'function' ? (pkc as unknown as SignalMethods) : null;
}

/** The browser's WebAuthn capabilities; {} where getClientCapabilities is missing or fails. */
export async function clientCapabilities(): Promise<ClientCapabilities> {
  const pkc = publicKeyCredential();
  if (typeof pkc?.getClientCapabilities !== 'function') return {};
  try {
    const reported = await pkc.getClientCapabilities();
    const out: ClientCapabilities = {};
    for (const [name, value] of Object.entries(reported ?? {}))
      if (typeof value === 'boolean') (out as Record<string, boolean>)[name] = value;
    return out;
  } catch {
    return {};
  }
}

async function bestEffort(name: string, call: () => Promise<void>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (error) {
    console.warn(`Sesame: PublicKeyCredential.${name} failed`, error);
    return false;
  }
}

/** Every passkey the account still has: the password manager may drop the others. */
export async function signalAcceptedPasskeys(
  account: PasskeyAccount,
  credentialIds: Base64URLString[],
): Promise<boolean> {
  const pkc = publicKeyCredential();
  if (typeof pkc?.signalAllAcceptedCredentials !== 'function') return false;
  return bestEffort('signalAllAcceptedCredentials', () =>
    pkc.signalAllAcceptedCredentials!({
      rpId: account.rpId,
      userId: account.userHandle,
      allAcceptedCredentialIds: credentialIds,
    }),
  );
}

/** A credential the server does not know (deleted, perhaps on another device). */
export async function signalUnknownPasskey(rpId: string, credentialId: Base64URLString): Promise<boolean> {
  const pkc = publicKeyCredential();
  if (typeof pkc?.signalUnknownCredential !== 'function') return false;
  return bestEffort('signalUnknownCredential', () => pkc.signalUnknownCredential!({ rpId, credentialId }));
}

/** The account's name as passkeys should show it (its address), e.g. after an address change. */
export async function signalUserDetails(account: PasskeyAccount, email: string): Promise<boolean> {
  const pkc = publicKeyCredential();
  if (typeof pkc?.signalCurrentUserDetails !== 'function') return false;
  return bestEffort('signalCurrentUserDetails', () =>
    pkc.signalCurrentUserDetails!({ rpId: account.rpId, userId: account.userHandle, name: email, displayName: email }),
  );
}
