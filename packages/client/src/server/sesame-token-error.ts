/**
 * SesameTokenError: why an access token was not accepted, as data with a code (like jose's
 * JOSEError), so an API can answer without parsing messages.
 */

export type SesameTokenErrorCode =
  | 'MISSING_TOKEN' // no `Authorization: Bearer` header
  | 'MALFORMED_TOKEN' // not a JWS in compact form, or a header that is not `Bearer <token>`
  | 'TOKEN_EXPIRED' // past its `exp`: the client should refresh and retry
  | 'INVALID_TOKEN' // bad signature, unknown key, wrong `typ`/`alg`/`iss`/`aud`, missing claims, not yet valid
  | 'JWKS_UNAVAILABLE'; // Sesame's JWKS could not be fetched: not the client's fault (answer 503)

export class SesameTokenError extends Error {
  override name = 'SesameTokenError';
  readonly code: SesameTokenErrorCode;
  /** The HTTP status an API should answer with: 401, or 503 for JWKS_UNAVAILABLE. */
  readonly status: 401 | 503;

  constructor(code: SesameTokenErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = code === 'JWKS_UNAVAILABLE' ? 503 : 401;
  }
}

export function isSesameTokenError(error: unknown, code?: SesameTokenErrorCode): error is SesameTokenError {
  return error instanceof SesameTokenError && (code === undefined || error.code === code);
}

/**
 * The answer to give for a refused token: `{ error: { code, message } }` (Sesame's own error shape)
 * with `WWW-Authenticate: Bearer` (RFC 6750 §3), and `error="invalid_token"` when one was sent.
 */
export function tokenErrorResponse(error: SesameTokenError): Response {
  const headers = new Headers({ 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  if (error.status === 401) {
    headers.set(
      'WWW-Authenticate',
      error.code === 'MISSING_TOKEN' ? 'Bearer' : `Bearer error="invalid_token", error_description="${error.code}"`,
    );
  } else {
    headers.set('Retry-After', '5');
  }
  return new Response(JSON.stringify({ error: { code: error.code, message: error.message } }), {
    status: error.status,
    headers,
  });
}
