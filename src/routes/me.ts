/** The signed-in user: the account itself, its deletion, and its recent security activity. */
import { createRoute, z } from '@hono/zod-openapi';
import { deleteAccount, listActivity } from '../auth/account/account.js';
import { clearRefreshCookie } from '../http/cookies.js';
import { requireAuth, authenticated } from '../http/require-auth.js';
import { bearerSecurity, createRouter, errorResponses, jsonContent } from '../http/router.js';
import { isoTime, requestContext } from '../http/request-context.js';

const me = createRoute({
  method: 'get',
  path: '/api/me',
  operationId: 'getMe',
  tags: ['Account'],
  summary: 'The signed-in user',
  security: bearerSecurity,
  middleware: [requireAuth] as const,
  responses: {
    200: jsonContent(
      z.object({ id: z.string(), email: z.string(), emailVerified: z.boolean(), createdAt: z.string() }).openapi('Me'),
      'The user',
    ),
    ...errorResponses(401),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/api/me',
  summary:
    'Delete the account (recent sign-in): its passkeys, sessions and pending mails go; audit rows keep no address',
  security: bearerSecurity,
  middleware: [requireAuth] as const,
  responses: {
    204: { description: 'Deleted; the refresh cookie is cleared and the account’s tokens answer 401' },
    ...errorResponses(401, 403, 415, 429),
  },
});

const ActivityEvent = z
  .object({
    type: z.enum([
      'account_created',
      'sign_in',
      'reauthenticated',
      'passkey_added',
      'passkey_removed',
      'email_changed',
      'session_revoked',
      'signed_out_everywhere',
    ]),
    at: z.string().openapi({ format: 'date-time' }),
    userAgent: z.string().optional(),
    ip: z.string().optional(),
    method: z.string().optional().openapi({ description: 'sign_in: passkey or email' }),
    passkeyId: z.string().optional().openapi({ description: 'passkey_added / passkey_removed: the credential id' }),
  })
  .openapi('ActivityEvent');

const activity = createRoute({
  method: 'get',
  path: '/api/me/activity',
  summary: 'Recent security activity of the account, newest first (at most 50 events)',
  security: bearerSecurity,
  middleware: [requireAuth] as const,
  responses: {
    200: jsonContent(z.object({ events: z.array(ActivityEvent) }), 'Events, newest first'),
    ...errorResponses(401, 429),
  },
});

export function meRoutes() {
  return createRouter()
    .openapi(me, (c) => {
      const { user } = authenticated(c);
      return c.json(
        { id: user.id, email: user.email, emailVerified: user.emailVerified, createdAt: isoTime(user.createdAt) },
        200,
      );
    })
    .openapi(remove, async (c) => {
      await deleteAccount(c.get('deps'), { auth: authenticated(c), context: requestContext(c) });
      c.header('Set-Cookie', clearRefreshCookie());
      return c.body(null, 204);
    })
    .openapi(activity, async (c) => {
      const events = await listActivity(c.get('deps').db, authenticated(c).user.id);
      return c.json(
        {
          events: events.map((e) => ({
            type: e.type as z.infer<typeof ActivityEvent>['type'],
            at: isoTime(e.at),
            ...(e.userAgent ? { userAgent: e.userAgent } : {}),
            ...(e.ip ? { ip: e.ip } : {}),
            ...(e.method ? { method: e.method } : {}),
            ...(e.passkeyId ? { passkeyId: e.passkeyId } : {}),
          })),
        },
        200,
      );
    });
}
