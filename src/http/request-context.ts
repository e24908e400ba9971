/** What route handlers hand the domain about the request: who asked, from where, and how times are rendered. */
import type { Context } from 'hono';
import type { AppEnv } from './deps.js';
import type { RequestContext } from '../auth/sessions/sessions.js';

/** User agent and client address, recorded with sessions and audit events; the language mails are written in. */
export const requestContext = (c: Context<AppEnv>): RequestContext => ({
  userAgent: c.req.header('user-agent') ?? null,
  clientAddress: c.get('clientAddress') ?? null,
  locale: c.get('language'),
});

/** API.md: times are ISO 8601 strings in UTC. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();
