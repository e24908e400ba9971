/**
 * Feeds deps.metrics from every answered request: latency by route pattern (never the raw path,
 * which may hold ids), sign-ins by method and result, refreshes by result, rate-limit refusals.
 */
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from './deps.js';
import { toAuthError } from './on-error.js';

const SIGN_IN_ROUTES: Record<string, 'email' | 'passkey'> = {
  '/auth/email/verify': 'email',
  '/auth/passkeys/login/verify': 'passkey',
};

export const recordMetrics: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = performance.now();
  await next();
  const { metrics } = c.get('deps');
  const status = c.res.status;
  const route = status === 404 && c.error ? 'unmatched' : routePath(c) || 'unmatched';
  metrics.request(route, c.req.method, status, (performance.now() - started) / 1000);
  const code = c.error ? toAuthError(c.error).code : null;
  if (code === 'RATE_LIMITED') metrics.rateLimited(route);
  if (c.req.method !== 'POST' || code === 'RATE_LIMITED') return;
  const method = SIGN_IN_ROUTES[c.req.path];
  if (method) metrics.signIn(method, status < 300 ? 'success' : (code ?? String(status)).toLowerCase());
  if (c.req.path === '/auth/refresh') {
    metrics.refresh(
      status < 300
        ? c.get('refreshReplayed')
          ? 'reuse_window'
          : 'rotated'
        : code === 'REFRESH_TOKEN_REUSED'
          ? 'reuse_revoked'
          : 'refused',
    );
  }
};
