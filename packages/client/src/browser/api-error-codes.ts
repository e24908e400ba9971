/**
 * The error codes the Sesame server sends, generated from the server's list (src/auth/errors.ts)
 * by `npm run generate:error-codes`. Do not edit by hand: test/error-codes.test.ts fails when this
 * file and the server's list differ.
 */
export const API_ERROR_CODES = [
  'INVALID_REQUEST',
  'UNAUTHORIZED',
  'INVALID_TOKEN',
  'SESSION_EXPIRED',
  'SESSION_REVOKED',
  'REFRESH_TOKEN_REUSED',
  'INVALID_LINK',
  'INVALID_CODE',
  'INVALID_CREDENTIAL',
  'UNKNOWN_CREDENTIAL',
  'CHALLENGE_EXPIRED',
  'COUNTER_REPLAY',
  'REAUTH_REQUIRED',
  'ACCOUNT_DISABLED',
  'DBSC_PROOF_REQUIRED',
  'DBSC_PROOF_INVALID',
  'FORBIDDEN_ORIGIN',
  'INSUFFICIENT_SCOPE',
  'DBSC_CHALLENGE',
  'NOT_FOUND',
  'CREDENTIAL_EXISTS',
  'TOO_MANY_PASSKEYS',
  'LAST_PASSKEY',
  'ALREADY_BOOTSTRAPPED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'SERVICE_BUSY',
  'INTERNAL',
] as const;
