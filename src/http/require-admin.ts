/**
 * Admin key authentication (API.md "Administration"): `Authorization: Bearer sak_…` with the scope
 * the route needs. No key, a malformed or unknown or revoked key, and an access token in its place
 * all answer 401 alike; a live key without the scope answers 403.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps.js';
import { authenticateAdminKey, type AdminScope } from '../admin/admin-keys.js';
import { AuthError } from '../auth/errors.js';

export function requireAdmin(scope: AdminScope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const match = /^Bearer (\S+)$/.exec(c.req.header('authorization') ?? '');
    // Only an admin key opens these routes: a user's access token is not one, whoever it belongs to.
    const key = match ? await authenticateAdminKey(c.get('deps'), match[1]!) : null;
    if (!key) throw new AuthError('UNAUTHORIZED', 'Send a live admin key as Authorization: Bearer sak_…');
    // Least privilege: a key does only what its scopes name.
    if (!key.scopes.includes(scope))
      throw new AuthError('INSUFFICIENT_SCOPE', `This admin key lacks the ${scope} scope`);
    c.set('adminKey', key);
    c.header('Cache-Control', 'no-store');
    return next();
  };
}
