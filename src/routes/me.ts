/** The signed-in user. */
import { createRoute, z } from '@hono/zod-openapi';
import { requireAuth } from '../http/require-auth.js';
import { bearerSecurity, createRouter, errorResponses, jsonContent } from '../http/router.js';
import { isoTime } from '../http/request-context.js';

const me = createRoute({
  method: 'get',
  path: '/api/me',
  operationId: 'getMe',
  tags: ['Account'],
  summary: 'The signed-in user',
  security: bearerSecurity,
  middleware: [requireAuth] as const,
  responses: {
    200: jsonContent(z.object({ id: z.string(), email: z.string(), emailVerified: z.boolean(), createdAt: z.string() }).openapi('Me'), 'The user'),
    ...errorResponses(401),
  },
});

export function meRoutes() {
  return createRouter().openapi(me, (c) => {
    const { user } = c.var.auth;
    return c.json({ id: user.id, email: user.email, emailVerified: user.emailVerified, createdAt: isoTime(user.createdAt) }, 200);
  });
}
