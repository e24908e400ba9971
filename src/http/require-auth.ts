/** Bearer authentication for the service's own endpoints: a valid token whose session still lives. */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps.js';
import { verifyAccessToken } from '../auth/sessions/access-tokens.js';
import { AuthError } from '../auth/errors.js';
import { requireLiveSession, type Authenticated } from '../auth/sessions/presence.js';

export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header('authorization') ?? '';
  const match = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(header);
  // Only the Bearer scheme carries our tokens; Basic or anything else is refused.
  if (!match) throw new AuthError('UNAUTHORIZED', 'Send an access token as Authorization: Bearer <token>');
  const deps = c.get('deps');
  const claims = await verifyAccessToken(deps, match[1]!);
  c.set('auth', await requireLiveSession(deps, claims));
  c.header('Cache-Control', 'no-store');
  return next();
};

/**
 * Bearer when an Authorization header is sent, none otherwise. A header that is sent must be
 * valid: a bad one is a 401, never silently treated as "signed out" (a sign-up or a reclaim).
 */
export const optionalAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.header('authorization') !== undefined) return requireAuth(c, next);
  return next();
};

/** The caller requireAuth authenticated, for the routes behind it. */
export function authenticated(c: Context<AppEnv>): Authenticated {
  const auth = c.get('auth');
  // A route that runs without requireAuth fails closed: it never acts for nobody.
  if (!auth) throw new AuthError('UNAUTHORIZED', 'Send an access token as Authorization: Bearer <token>');
  return auth;
}
