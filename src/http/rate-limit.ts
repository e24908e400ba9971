/**
 * RATE_LIMIT_PER_MINUTE requests to /auth/* per client address. The path is normalised first
 * (case, repeated and trailing slashes, dot segments) so spelling a route differently does not
 * get around the limit.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps.js';
import { AuthError } from '../auth/errors.js';
import { hitRateLimit } from '../auth/rate-limit.js';

export function normalisePath(path: string): string {
  let p = path.toLowerCase().replace(/\\/g, '/');
  try {
    p = decodeURIComponent(p);
  } catch {
    /* keep the raw form */
  }
  return p.replace(/\/{2,}/g, '/').replace(/\/(\.\/)+/g, '/').replace(/\/+$/, '') || '/';
}

export const authRateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method === 'OPTIONS' || !normalisePath(c.req.path).startsWith('/auth/')) return next();
  const { db, config, clock } = c.var.deps;
  const address = c.var.clientAddress ?? 'unknown';
  const result = await hitRateLimit(db, { key: `ip:${address}`, limit: config.rateLimitPerMinute, windowMs: 60_000, now: clock() });
  // Per-address ceiling on the auth surface: slows credential stuffing and mail bombing.
  if (!result.allowed) throw new AuthError('RATE_LIMITED', 'Too many requests; try again later', { retryAfter: result.retryAfter });
  return next();
};
