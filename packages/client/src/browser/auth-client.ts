/**
 * The auth client's public shape: its options and its methods (implemented by createAuthClient).
 */
import type { EmailChangeProof } from './account-api.js';
import type { FetchFunction } from './http.js';
import type { ClientCapabilities, PasskeyAccount } from './passkey-signals.js';
import type { RefreshLockManager } from './refresh-lock.js';
import type {
  ActivityEvent,
  EmailLinkInfo,
  Me,
  Passkey,
  SessionInfo,
  SignInResult,
  StartEmailOptions,
  User,
} from './types.js';

export interface AuthClientOptions {
  /** Origin (and optional path prefix) of the Sesame service; '' = this page's origin. */
  baseUrl?: string;
  /** Called with the user after a sign-in (here or in another tab) and with null after a sign-out. */
  onSessionChange?: (user: User | null) => void;
  /** For tests and unusual runtimes. */
  fetch?: FetchFunction;
  /** Web Locks stand-in; null runs refreshes without a cross-tab lock. Default: navigator.locks. */
  locks?: RefreshLockManager | null;
  /** BroadcastChannel name shared by the tabs. Default 'sesame-auth'. */
  channelName?: string;
  /** Longest wait for the cross-tab refresh lock before refreshing without it. Default 10 s. */
  lockTimeoutMs?: number;
  /** Longest wait for `POST /auth/refresh` to answer. Default 15 s. */
  refreshTimeoutMs?: number;
  /** Clock in epoch milliseconds. Default Date.now. */
  now?: () => number;
}

export interface PasskeySignInOptions {
  /** Conditional UI: offer passkeys in the autofill of `<input autocomplete="username webauthn">`. */
  conditional?: boolean;
  /** Aborts the ceremony (e.g. the autofill request before a modal one starts). */
  signal?: AbortSignal;
}

export interface AuthClient {
  /** On page load: restore the session through a refresh. null = signed out; throws on network errors. */
  restore(): Promise<User | null>;
  /** The signed-in user as last known, without a request. */
  getUser(): User | null;
  /** A usable access token (renewed if close to expiry), or null when signed out. */
  getAccessToken(): Promise<string | null>;
  /** Adds a session listener besides `onSessionChange`; returns the function that removes it. */
  subscribe(listener: (user: User | null) => void): () => void;
  /**
   * fetch with `Authorization: Bearer`, renewing the token ahead of expiry and once after a 401
   * (then retrying once). Only call your own services with it: it sends the token to any URL.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;

  /** Emails a link and a six-digit code; `returnTo` comes back with the sign-in they make. */
  startEmail(email: string, options?: StartEmailOptions): Promise<void>;
  /** Which address an emailed link signs in; null when the link is unknown or expired. Never uses it up. */
  emailLinkInfo(token: string): Promise<EmailLinkInfo | null>;
  verifyEmailToken(token: string): Promise<SignInResult>;
  verifyEmailCode(email: string, code: string): Promise<SignInResult>;
  /**
   * A passkey sign-in. Afterwards the browser is told which passkeys the account still accepts
   * (signalAllAcceptedCredentials); a passkey the server does not know (401 UNKNOWN_CREDENTIAL) is
   * reported to it (signalUnknownCredential). Both only where the browser has them.
   */
  passkeySignIn(options?: PasskeySignInOptions): Promise<SignInResult>;
  /**
   * Adds a passkey. `conditional: true` asks for the automatic upgrade (`mediation: "conditional"`:
   * the password manager may create it without a prompt, or refuse); check
   * `capabilities().conditionalCreate` first.
   */
  addPasskey(name?: string, options?: { signal?: AbortSignal; conditional?: boolean }): Promise<Passkey>;
  /** `PublicKeyCredential.getClientCapabilities()` as booleans; {} where the browser lacks it. */
  capabilities(): Promise<ClientCapabilities>;
  /**
   * Re-authentication in place (after `401 REAUTH_REQUIRED`): a passkey assertion sent with this
   * session's Bearer token renews the session's proof-of-presence time (same session, nobody is
   * signed out). For a person without a passkey here: `startEmail(user.email)` then
   * `verifyEmailCode`, which also sends the Bearer and so re-authenticates likewise.
   */
  reauthenticate(options?: { signal?: AbortSignal }): Promise<SignInResult>;

  logout(): Promise<void>;
  logoutAll(): Promise<void>;
  me(): Promise<Me>;
  listPasskeys(): Promise<Passkey[]>;
  /** The list with the RP id and the account's user handle (what the Signal API needs). */
  passkeyList(): Promise<PasskeyAccount & { passkeys: Passkey[] }>;
  /** Tells the browser which passkeys the account still accepts; false where not sent. */
  signalAcceptedPasskeys(): Promise<boolean>;
  renamePasskey(id: string, name: string): Promise<Passkey>;
  /** Deletes a passkey, then tells the browser which ones are still accepted (where it can listen). */
  deletePasskey(id: string): Promise<void>;
  /** `POST /auth/email/change` (recent sign-in): the new address gets a link and a code. */
  changeEmail(email: string): Promise<void>;
  /** `POST /auth/email/change/verify`; renews this browser's token when it is that account's. */
  verifyEmailChange(proof: EmailChangeProof): Promise<User>;
  /** `DELETE /api/me` (recent sign-in); signs this browser out. */
  deleteAccount(): Promise<void>;
  /** `GET /api/me/activity`, newest first. */
  activity(): Promise<ActivityEvent[]>;
  listSessions(): Promise<SessionInfo[]>;
  revokeSession(id: string): Promise<void>;

  /** Stops listening to the other tabs. */
  close(): void;
}
