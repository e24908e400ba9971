/**
 * Shapes of what the Sesame API answers (see API.md), as the auth client hands them to callers.
 * Encodings are named in the types so a reader knows what a string holds.
 */

/** ISO 8601 time in UTC, as the API sends it. */
export type IsoDateString = string;
/** base64url without padding (credential ids). */
export type Base64URLString = string;

/** The signed-in person, as carried by every session response. */
export interface User {
  id: string;
  email: string;
  emailVerified: boolean;
}

/** `GET /api/me`. */
export interface Me extends User {
  createdAt: IsoDateString;
}

/** A passkey of the signed-in user (`GET /auth/passkeys`). */
export interface Passkey {
  id: Base64URLString;
  name: string;
  createdAt: IsoDateString;
  lastUsedAt: IsoDateString | null;
  /** true when the passkey is synced (backed up) by a password manager or platform. */
  backedUp: boolean;
  transports: string[];
  /** The authenticator model's AAGUID, as reported at registration. */
  aaguid: string;
  /** The password manager or device that holds it, when its AAGUID is known (icons are data: URIs). */
  provider: { name: string; iconLight?: string; iconDark?: string } | null;
}

/** A signed-in session of the user (`GET /auth/sessions`). */
export interface SessionInfo {
  id: string;
  createdAt: IsoDateString;
  lastUsedAt: IsoDateString;
  userAgent: string | null;
  /** true for the session this client is using. */
  current: boolean;
  /** How this session signed in. */
  method?: 'passkey' | 'email';
  /** true when the browser bound the session to a key it keeps (DBSC): its cookie is worthless elsewhere. Absent from servers before DBSC. */
  deviceBound?: boolean;
}

/** One entry of `GET /api/me/activity` (newest first). */
export interface ActivityEvent {
  type:
    | 'account_created'
    | 'sign_in'
    | 'reauthenticated'
    | 'passkey_added'
    | 'passkey_removed'
    | 'email_changed'
    | 'session_revoked'
    | 'signed_out_everywhere'
    | (string & {});
  at: IsoDateString;
  userAgent?: string;
  ip?: string;
  /** sign_in: 'passkey' or 'email'. */
  method?: string;
  /** passkey_added / passkey_removed: the credential id. */
  passkeyId?: Base64URLString;
}

/** What every sign-in helper resolves to. */
export interface SignInResult {
  user: User;
  /** true when this sign-in created the account (the API answered 201). */
  created: boolean;
  /**
   * For an emailed link or code: the `returnTo` given to `startEmail`, kept by the server with the
   * token (so a link opened on another device still knows it), checked against its origins.
   */
  returnTo?: string;
}

/** Options of `startEmail`. */
export interface StartEmailOptions {
  /**
   * Where to land after signing in with the link or code: an absolute URL on Sesame's origin or
   * one of its APP_ORIGINS (the server refuses anything else with 400 INVALID_REQUEST).
   */
  returnTo?: string;
}

/** `GET /auth/email/link-info`: which address an emailed link would sign in. */
export interface EmailLinkInfo {
  email: string;
  expiresAt: IsoDateString;
  /** 'change': the link proves a new address for an account (`verifyEmailChange`), not a sign-in. */
  purpose: 'sign_in' | 'change';
}

/** The "session response" of API.md. */
export interface SessionResponse {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: User;
  returnTo?: string;
}
