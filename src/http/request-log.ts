/** One JSON log line per request: method, path (never the query: it may hold a link token), status, time. */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps.js';
import { generateId } from '../lib/crypto.js';
import { resolveClientAddress } from './client-address.js';

export const requestLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = performance.now();
  c.set('requestId', generateId());
  c.set('clientAddress', resolveClientAddress(c));
  await next();
  c.get('deps').logger.log('info', 'request', {
    requestId: c.get('requestId'),
    method: c.req.method,
    path: c.req.path.slice(0, 200),
    status: c.res.status,
    ms: Math.round((performance.now() - started) * 10) / 10,
    clientAddress: c.get('clientAddress'),
  });
};
