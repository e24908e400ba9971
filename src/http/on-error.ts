/**
 * The one place that turns errors into HTTP: AuthError by its code, Hono's own exceptions
 * (malformed JSON and the like) as 400s, a database still locked after the busy timeout as 503
 * with Retry-After, and anything else as a logged 500 that reveals nothing.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './deps.js';
import { AuthError } from '../auth/errors.js';

function isBusy(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    const message = String((e as { message?: unknown }).message ?? '');
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || /database is locked|SQLITE_BUSY/.test(message))
      return true;
  }
  return false;
}

export function toAuthError(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413) return new AuthError('PAYLOAD_TOO_LARGE', 'The request body is too large');
    if (err.status === 415) return new AuthError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json');
    if (err.status >= 400 && err.status < 500)
      return new AuthError('INVALID_REQUEST', err.message || 'Malformed request');
  }
  if (err instanceof SyntaxError) return new AuthError('INVALID_REQUEST', 'Malformed JSON in request body');
  if (isBusy(err))
    return new AuthError('SERVICE_BUSY', 'The service is busy; try again shortly', { retryAfter: 1, cause: err });
  return new AuthError('INTERNAL', 'Something went wrong on our side', { cause: err });
}

export function onError(err: Error, c: Context<AppEnv>) {
  const e = toAuthError(err);
  if (e.status >= 500) {
    c.get('deps')?.logger.log('error', e.code === 'SERVICE_BUSY' ? 'database busy' : 'unhandled error', {
      requestId: c.get('requestId'),
      error: String((err as Error)?.stack ?? err).slice(0, 2000),
    });
  }
  if (e.retryAfter !== undefined) c.header('Retry-After', String(e.retryAfter));
  c.header('Cache-Control', 'no-store');
  return c.json({ error: { code: e.code, message: e.message } }, e.status as 400);
}
