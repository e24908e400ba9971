/** Refresh, logout and session management. */
import { createRoute, z } from '@hono/zod-openapi';
import { isDeviceBound } from '../auth/sessions/dbsc.js';
import { AuthError } from '../auth/errors.js';
import { listSessions, logoutByRefreshToken, revokeAllSessions, revokeSession } from '../auth/sessions/manage.js';
import { rotateRefreshToken } from '../auth/sessions/rotation.js';
import { clearRefreshCookie, readCookie, REFRESH_COOKIE } from '../http/cookies.js';
import { requireAuth, authenticated } from '../http/require-auth.js';
import {
  bearerSecurity,
  createRouter,
  EmptyBody,
  errorResponses,
  refreshCookieSecurity,
  jsonBody,
  jsonContent,
  SessionResponseSchema,
} from '../http/router.js';
import { sessionResponse } from '../http/session-response.js';
import { isoTime, requestContext } from '../http/request-context.js';

const SessionInfo = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string(),
    userAgent: z.string().nullable(),
    current: z.boolean(),
    method: z.enum(['passkey', 'email']).openapi({ description: 'How this session signed in' }),
    deviceBound: z.boolean().openapi({
      description: 'The browser bound this session to a key it keeps (DBSC): its cookie is worthless elsewhere',
    }),
  })
  .openapi('Session');

const refresh = createRoute({
  method: 'post',
  path: '/auth/refresh',
  operationId: 'refreshSession',
  tags: ['Sessions'],
  summary: 'Rotate the refresh cookie and get a new access token',
  security: refreshCookieSecurity,
  request: jsonBody(EmptyBody),
  responses: {
    200: jsonContent(SessionResponseSchema, 'Session response; the cookie is rotated'),
    ...errorResponses(400, 401, 403, 415, 429),
  },
});

const logout = createRoute({
  method: 'post',
  path: '/auth/logout',
  operationId: 'logout',
  tags: ['Sessions'],
  summary: 'Sign out this session',
  security: refreshCookieSecurity,
  request: jsonBody(EmptyBody),
  responses: { 204: { description: 'Signed out; cookie cleared' }, ...errorResponses(400, 403, 415, 429) },
});

const logoutAll = createRoute({
  method: 'post',
  path: '/auth/logout-all',
  operationId: 'logoutAll',
  tags: ['Sessions'],
  summary: 'Sign out every session of the user',
  security: bearerSecurity,
  middleware: [requireAuth] as const,
  request: jsonBody(EmptyBody),
  responses: { 204: { description: 'Every session revoked' }, ...errorResponses(400, 401, 403, 415, 429) },
});

const list = createRoute({
  method: 'get',
  path: '/auth/sessions',
  operationId: 'listSessions',
  tags: ['Sessions'],
  summary: "The user's live sessions",
  security: bearerSecurity,
  middleware: [requireAuth] as const,
  responses: {
    200: jsonContent(z.object({ sessions: z.array(SessionInfo) }), 'Sessions, most recently used first'),
    ...errorResponses(401, 429),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/auth/sessions/{id}',
  operationId: 'revokeSession',
  tags: ['Sessions'],
  summary: 'Revoke one session',
  security: bearerSecurity,
  middleware: [requireAuth] as const,
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 403, 404, 429) },
});

export function sessionRoutes() {
  return createRouter()
    .openapi(refresh, async (c) => {
      const token = readCookie(c.req.header('cookie'), REFRESH_COOKIE);
      if (!token) throw new AuthError('UNAUTHORIZED', 'No refresh cookie');
      try {
        return sessionResponse(c, await rotateRefreshToken(c.get('deps'), token, requestContext(c)), 200);
      } catch (err) {
        // A refresh that failed for good clears the cookie so the browser stops sending it.
        if (err instanceof AuthError && err.status === 401 && !err.keepCookie)
          c.header('Set-Cookie', clearRefreshCookie());
        throw err;
      }
    })
    .openapi(logout, async (c) => {
      const token = readCookie(c.req.header('cookie'), REFRESH_COOKIE);
      if (token) await logoutByRefreshToken(c.get('deps'), token, requestContext(c));
      c.header('Set-Cookie', clearRefreshCookie());
      c.header('Cache-Control', 'no-store');
      return c.body(null, 204);
    })
    .openapi(logoutAll, async (c) => {
      await revokeAllSessions(c.get('deps'), { userId: authenticated(c).user.id, context: requestContext(c) });
      c.header('Set-Cookie', clearRefreshCookie());
      return c.body(null, 204);
    })
    .openapi(list, async (c) => {
      const { user, session } = authenticated(c);
      const rows = await listSessions(c.get('deps'), user.id);
      return c.json(
        {
          sessions: rows.map((s) => ({
            id: s.id,
            createdAt: isoTime(s.createdAt),
            lastUsedAt: isoTime(s.lastUsedAt),
            userAgent: s.userAgent,
            current: s.id === session.id,
            method: s.method as 'passkey' | 'email',
            deviceBound: isDeviceBound(s),
          })),
        },
        200,
      );
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      // Scoped to the caller's own sessions: another user's session id is simply not found.
      const done = await revokeSession(c.get('deps'), {
        sessionId: id,
        userId: authenticated(c).user.id,
        reason: 'revoked',
        context: requestContext(c),
      });
      if (!done) throw new AuthError('NOT_FOUND', 'No such session');
      return c.body(null, 204);
    });
}
