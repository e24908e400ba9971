/**
 * The account's own calls (Bearer): its address change, its deletion, its security activity, and
 * the passkey list with what the WebAuthn Signal API needs. Kept apart from the session machinery
 * of create-auth-client.ts, which hands in the few functions these need.
 */
import type { HttpMethod } from './http.js';
import { signalAcceptedPasskeys, signalUserDetails, type PasskeyAccount } from './passkey-signals.js';
import type { ActivityEvent, Passkey, User } from './types.js';

export interface AccountApiDeps {
  /** A JSON call with the access token. */
  api<T>(method: HttpMethod, path: string, body?: unknown): Promise<T>;
  /** A JSON call without it (cookies included), parsed; errors as AuthError. */
  publicJson<T>(method: HttpMethod, path: string, body?: unknown): Promise<T>;
  /** The signed-in user as last known. */
  getUser(): User | null;
  /** Asks for a new access token now (its claims changed) and shares it with the other tabs. */
  renewSession(): Promise<void>;
  /** Forgets the session here and in the other tabs (the account is gone). */
  signOutLocally(): void;
}

export type EmailChangeProof = { token: string } | { email: string; code: string };

export function accountApi({ api, publicJson, getUser, renewSession, signOutLocally }: AccountApiDeps) {
  async function passkeyList(): Promise<PasskeyAccount & { passkeys: Passkey[] }> {
    return api<PasskeyAccount & { passkeys: Passkey[] }>('GET', '/auth/passkeys');
  }

  /** Tells the browser which passkeys the account still accepts (best effort; false when not sent). */
  async function signalAccepted(): Promise<boolean> {
    const { passkeys, rpId, userHandle } = await passkeyList();
    return signalAcceptedPasskeys(
      { rpId, userHandle },
      passkeys.map((p) => p.id),
    );
  }

  return {
    passkeyList,
    signalAccepted,

    /** `POST /auth/email/change`: the new address gets a link and a code (202 whatever the address). */
    async changeEmail(email: string): Promise<void> {
      await api<unknown>('POST', '/auth/email/change', { email });
    },

    /**
     * `POST /auth/email/change/verify`. When this browser is signed in to that account, its token
     * is renewed (the new `email` claim, shared with the other tabs) and the browser is told the
     * account's new name for its passkeys (signalCurrentUserDetails).
     */
    async verifyEmailChange(proof: EmailChangeProof): Promise<User> {
      const { user } = await publicJson<{ user: User }>('POST', '/auth/email/change/verify', proof);
      if (getUser()?.id === user.id) {
        await renewSession().catch(() => undefined);
        void passkeyList().then(
          ({ rpId, userHandle }) => signalUserDetails({ rpId, userHandle }, user.email),
          () => false,
        );
      }
      return user;
    },

    /** `DELETE /api/me` (recent sign-in): the account is gone, and this browser signed out everywhere. */
    async deleteAccount(): Promise<void> {
      await api<void>('DELETE', '/api/me', {});
      signOutLocally();
    },

    /** `GET /api/me/activity`: recent security events, newest first. */
    async activity(): Promise<ActivityEvent[]> {
      return (await api<{ events: ActivityEvent[] }>('GET', '/api/me/activity')).events;
    },
  };
}
