/**
 * RATE_LIMIT_PER_MINUTE requests to /auth/* per client (its canonical address; an IPv6 /64, with
 * its /48 capped at 8 times that: lib/ip-address.ts). The path is normalised first (case, repeated and
 * trailing slashes, dot segments) so spelling a route differently does not get around the limit.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps.js';
import { enforceRateLimit } from '../auth/rate-limit.js';
import { clientKeys } from '../lib/ip-address.js';

export function normalisePath(path: string): string {
  let p = path.toLowerCase().replace(/\\/g, '/');
  try {
    p = decodeURIComponent(p);
  } catch {
    /* keep the raw form */
  }
  return (
    p
      .replace(/\/{2,}/g, '/')
      .replace(/\/(\.\/)+/g, '/')
      .replace(/\/+$/, '') || '/'
  );
}

export const authRateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method === 'OPTIONS' || !normalisePath(c.req.path).startsWith('/auth/')) return next();
  const { db, config, clock } = c.get('deps');
  const now = clock();
  for (const { key, factor } of clientKeys(c.get('clientAddress'))) {
    // Per-client ceiling on the auth surface: slows code guessing, credential stuffing and mail bombing.
    await enforceRateLimit(db, {
      name: 'auth_requests',
      key: `auth:${key}`,
      limit: config.rateLimitPerMinute * factor,
      windowMs: 60_000,
      now,
      message: 'Too many requests; try again later',
    });
  }
  return next();
};
