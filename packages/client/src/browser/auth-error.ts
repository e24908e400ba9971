/**
 * AuthError: every failure of the auth client, as data with a code (like jose's JOSEError).
 *
 * `status` and `code` come from the API error body `{ error: { code, message } }`. Failures that
 * never reached the API have `status` 0 and one of the client codes below.
 */
import type { API_ERROR_CODES } from './api-error-codes.js';

/** Codes the client itself produces (status 0). */
export type ClientErrorCode =
  | 'NETWORK_ERROR' // the request did not complete (offline, DNS, timeout, CORS)
  | 'ABORTED' // the caller's AbortSignal fired, or another ceremony replaced this one
  | 'BAD_RESPONSE' // the API answered something that is not the documented JSON
  | 'PASSKEY_UNSUPPORTED' // this browser has no WebAuthn
  | 'PASSKEY_CANCELLED' // the person dismissed the passkey prompt, or it timed out
  | 'PASSKEY_ALREADY_REGISTERED' // the authenticator already holds a passkey for this account
  | 'PASSKEY_FAILED'; // any other WebAuthn failure (see `cause`)

/**
 * Codes the Sesame server sends: generated from the server's list (api-error-codes.ts), plus
 * `HTTP_ERROR` for an error status without the documented JSON body. Unknown codes (a newer
 * server) pass through as strings.
 */
export type ApiErrorCode = (typeof API_ERROR_CODES)[number] | 'HTTP_ERROR';

export type AuthErrorCode = ClientErrorCode | ApiErrorCode | (string & {});

export class AuthError extends Error {
  override name = 'AuthError';
  readonly status: number;
  readonly code: AuthErrorCode;
  /** Seconds to wait, from `Retry-After` on a 429. */
  readonly retryAfter: number | undefined;

  constructor({
    status,
    code,
    message,
    retryAfter,
    cause,
  }: {
    status: number;
    code: AuthErrorCode;
    message: string;
    retryAfter?: number;
    cause?: unknown;
  }) {
    super(message, cause === undefined ? undefined : { cause });
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export function isAuthError(error: unknown, code?: AuthErrorCode): error is AuthError {
  return error instanceof AuthError && (code === undefined || error.code === code);
}

/** Builds the AuthError for a response that is not ok, reading the API error body when present. */
export async function errorFromResponse(response: Response): Promise<AuthError> {
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy page, an empty body): fall back to the status alone.
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (error && typeof error.code === 'string') {
    return new AuthError({
      status: response.status,
      code: error.code,
      message: typeof error.message === 'string' ? error.message : error.code,
      retryAfter,
    });
  }
  return new AuthError({
    status: response.status,
    code: response.status === 429 ? 'RATE_LIMITED' : 'HTTP_ERROR',
    message: `Request failed with status ${response.status}`,
    retryAfter,
  });
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
