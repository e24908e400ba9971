/**
 * Domain errors as data: a code from a closed union, mapped to HTTP only by app.onError.
 */
export type AuthErrorCode =
  | 'INVALID_REQUEST'
  | 'UNAUTHORIZED'
  | 'INVALID_TOKEN'
  | 'SESSION_EXPIRED'
  | 'SESSION_REVOKED'
  | 'REFRESH_TOKEN_REUSED'
  | 'INVALID_LINK'
  | 'INVALID_CODE'
  | 'INVALID_CREDENTIAL'
  | 'UNKNOWN_CREDENTIAL'
  | 'CHALLENGE_EXPIRED'
  | 'COUNTER_REPLAY'
  | 'REAUTH_REQUIRED'
  | 'ACCOUNT_DISABLED'
  | 'DBSC_PROOF_REQUIRED'
  | 'DBSC_PROOF_INVALID'
  | 'DBSC_CHALLENGE'
  | 'FORBIDDEN_ORIGIN'
  | 'INSUFFICIENT_SCOPE'
  | 'NOT_FOUND'
  | 'CREDENTIAL_EXISTS'
  | 'TOO_MANY_PASSKEYS'
  | 'LAST_PASSKEY'
  | 'ALREADY_BOOTSTRAPPED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'SERVICE_BUSY'
  | 'INTERNAL';

const statusOf: Record<AuthErrorCode, number> = {
  INVALID_REQUEST: 400,
  UNAUTHORIZED: 401,
  INVALID_TOKEN: 401,
  SESSION_EXPIRED: 401,
  SESSION_REVOKED: 401,
  REFRESH_TOKEN_REUSED: 401,
  INVALID_LINK: 401,
  INVALID_CODE: 401,
  INVALID_CREDENTIAL: 401,
  UNKNOWN_CREDENTIAL: 401,
  CHALLENGE_EXPIRED: 401,
  COUNTER_REPLAY: 401,
  REAUTH_REQUIRED: 401,
  ACCOUNT_DISABLED: 401,
  DBSC_PROOF_REQUIRED: 401,
  DBSC_PROOF_INVALID: 401,
  FORBIDDEN_ORIGIN: 403,
  INSUFFICIENT_SCOPE: 403,
  DBSC_CHALLENGE: 403,
  NOT_FOUND: 404,
  CREDENTIAL_EXISTS: 409,
  TOO_MANY_PASSKEYS: 409,
  LAST_PASSKEY: 409,
  ALREADY_BOOTSTRAPPED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  SERVICE_BUSY: 503,
  INTERNAL: 500,
};

export class AuthError extends Error {
  readonly status: number;
  /** Seconds, for 429 and 503. */
  readonly retryAfter?: number;
  /** A refused refresh that must not clear the browser's cookie (it already holds a newer one). */
  readonly keepCookie: boolean;
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    options: { cause?: unknown; retryAfter?: number; keepCookie?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AuthError';
    this.status = statusOf[code];
    this.retryAfter = options.retryAfter;
    this.keepCookie = options.keepCookie ?? false;
  }
}

/** Every code, for the OpenAPI description (one list: the status map above). */
export const AUTH_ERROR_CODES = Object.keys(statusOf) as AuthErrorCode[];

/** The codes answered with `status`, for the OpenAPI description of each error response. */
export function authErrorCodesWithStatus(status: number): AuthErrorCode[] {
  return AUTH_ERROR_CODES.filter((code) => statusOf[code] === status);
}
