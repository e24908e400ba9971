/**
 * Sesame's browser auth client: plain TypeScript, no UI framework. See README.md beside it.
 */
export { createAuthClient } from './create-auth-client.js';
export type { AuthClient, AuthClientOptions, PasskeySignInOptions } from './create-auth-client.js';
export { AuthError, isAuthError } from './auth-error.js';
export { API_ERROR_CODES } from './api-error-codes.js';
export type { AuthErrorCode, ApiErrorCode, ClientErrorCode } from './auth-error.js';
export { browserSupportsWebAuthn, browserSupportsWebAuthnAutofill } from './passkey-ceremony.js';
export { AUTH_CHANNEL_NAME } from './auth-channel.js';
export type { ClientCapabilities, PasskeyAccount } from './passkey-signals.js';
export type { EmailChangeProof } from './account-api.js';
export { REFRESH_LOCK_NAME } from './refresh-lock.js';
export type { RefreshLockManager } from './refresh-lock.js';
export type {
  ActivityEvent,
  Base64URLString,
  EmailLinkInfo,
  IsoDateString,
  Me,
  Passkey,
  SessionInfo,
  SignInResult,
  StartEmailOptions,
  User,
} from './types.js';
