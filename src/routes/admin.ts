/**
 * The admin API (API.md "Administration"), authenticated by admin keys (src/http/require-admin.ts),
 * and POST /admin/bootstrap, which exchanges ADMIN_BOOTSTRAP_SECRET once for the first key.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../http/deps.js';
import { ADMIN_SCOPES, createAdminKey, parseScopes } from '../admin/admin-keys.js';
import { queryAuditLog } from '../admin/audit-log.js';
import {
  deleteUser,
  disableUser,
  enableUser,
  getAdminUser,
  listUsers,
  revokeUserSessions,
  type Actor,
  type AdminUser,
} from '../admin/users.js';
import { sha256, timingSafeEqual } from '../lib/crypto.js';
import { AuthError } from '../auth/errors.js';
import { requireAdmin } from '../http/require-admin.js';
import { isoTime, requestContext } from '../http/request-context.js';
import { bearerSecurity, createRouter, EmptyBody, errorResponses, jsonBody, jsonContent } from '../http/router.js';

const AdminUserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    emailVerified: z.boolean(),
    createdAt: z.string(),
    disabled: z.boolean(),
    passkeys: z.number().int(),
    sessions: z.number().int(),
    lastSignInAt: z.string().nullable(),
  })
  .openapi('AdminUser');

const AuditEventSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    at: z.string(),
    userId: z.string().nullable(),
    sessionId: z.string().optional(),
    ip: z.string().optional(),
    userAgent: z.string().optional(),
    detail: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('AuditEvent');

const UserId = z.object({ id: z.string().min(1).max(128) });
const ListQuery = z.object({
  query: z.string().optional(),
  limit: z.string().optional(),
  cursor: z.string().optional(),
});
const AuditQuery = ListQuery.omit({ query: true }).extend({
  userId: z.string().optional(),
  type: z.string().optional(),
});

const userResponse = {
  200: jsonContent(z.object({ user: AdminUserSchema }), 'The user'),
  ...errorResponses(400, 401, 403, 404, 413, 415),
};

const routes = {
  list: createRoute({
    operationId: 'listUsers',
    tags: ['Administration'],
    method: 'get',
    path: '/admin/users',
    summary: 'Search and page through users (newest first)',
    security: bearerSecurity,
    middleware: [requireAdmin('users:read')] as const,
    request: { query: ListQuery },
    responses: {
      200: jsonContent(
        z.object({ users: z.array(AdminUserSchema), nextCursor: z.string().nullable() }),
        'A page of users',
      ),
      ...errorResponses(400, 401, 403),
    },
  }),
  get: createRoute({
    operationId: 'getUser',
    tags: ['Administration'],
    method: 'get',
    path: '/admin/users/{id}',
    summary: 'One user',
    security: bearerSecurity,
    middleware: [requireAdmin('users:read')] as const,
    request: { params: UserId },
    responses: userResponse,
  }),
  disable: createRoute({
    operationId: 'disableUser',
    tags: ['Administration'],
    method: 'post',
    path: '/admin/users/{id}/disable',
    summary: 'Disable a user: every session is revoked, every sign-in answers 401 ACCOUNT_DISABLED',
    security: bearerSecurity,
    middleware: [requireAdmin('users:write')] as const,
    request: { params: UserId, ...jsonBody(EmptyBody) },
    responses: userResponse,
  }),
  enable: createRoute({
    operationId: 'enableUser',
    tags: ['Administration'],
    method: 'post',
    path: '/admin/users/{id}/enable',
    summary: 'Enable a disabled user',
    security: bearerSecurity,
    middleware: [requireAdmin('users:write')] as const,
    request: { params: UserId, ...jsonBody(EmptyBody) },
    responses: userResponse,
  }),
  remove: createRoute({
    operationId: 'deleteUser',
    tags: ['Administration'],
    method: 'delete',
    path: '/admin/users/{id}',
    summary: 'Delete a user with their passkeys, sessions and pending mail',
    security: bearerSecurity,
    middleware: [requireAdmin('users:write')] as const,
    request: { params: UserId },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404, 413, 415) },
  }),
  revokeSessions: createRoute({
    operationId: 'revokeUserSessions',
    tags: ['Administration'],
    method: 'delete',
    path: '/admin/users/{id}/sessions',
    summary: 'Sign a user out everywhere',
    security: bearerSecurity,
    middleware: [requireAdmin('users:write')] as const,
    request: { params: UserId },
    responses: {
      200: jsonContent(z.object({ revoked: z.number().int() }), 'How many live sessions were revoked'),
      ...errorResponses(401, 403, 404, 413, 415),
    },
  }),
  audit: createRoute({
    operationId: 'listAuditEvents',
    tags: ['Administration'],
    method: 'get',
    path: '/admin/audit',
    summary: 'The audit log, newest first',
    security: bearerSecurity,
    middleware: [requireAdmin('users:read')] as const,
    request: { query: AuditQuery },
    responses: {
      200: jsonContent(
        z.object({ events: z.array(AuditEventSchema), nextCursor: z.string().nullable() }),
        'A page of events',
      ),
      ...errorResponses(400, 401, 403),
    },
  }),
  metrics: createRoute({
    operationId: 'getMetrics',
    tags: ['Service'],
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus text exposition',
    security: bearerSecurity,
    middleware: [requireAdmin('metrics:read')] as const,
    responses: {
      200: { content: { 'text/plain': { schema: z.string() } }, description: 'Prometheus text format 0.0.4' },
      ...errorResponses(401, 403, 404),
    },
  }),
  bootstrap: createRoute({
    operationId: 'bootstrapAdminKey',
    tags: ['Administration'],
    method: 'post',
    path: '/admin/bootstrap',
    summary: 'Exchange ADMIN_BOOTSTRAP_SECRET for the first admin key (only while no key exists)',
    security: bearerSecurity,
    request: jsonBody(
      z.object({ name: z.string().min(1).max(64), scopes: z.array(z.enum(ADMIN_SCOPES)).optional() }).strict(),
    ),
    responses: {
      201: jsonContent(
        z.object({ key: z.string(), id: z.string(), name: z.string(), scopes: z.array(z.string()) }),
        'The key, shown this once',
      ),
      ...errorResponses(400, 401, 403, 404, 409, 413, 415),
    },
  }),
};

const render = (u: AdminUser) => ({
  ...u,
  createdAt: isoTime(u.createdAt),
  lastSignInAt: u.lastSignInAt === null ? null : isoTime(u.lastSignInAt),
});

const actorOf = (c: Context<AppEnv>): Actor => ({ key: c.get('adminKey'), context: requestContext(c) });

export function adminRoutes() {
  return createRouter()
    .openapi(routes.list, async (c) => {
      const page = await listUsers(c.get('deps'), c.req.valid('query'));
      return c.json({ users: page.users.map(render), nextCursor: page.nextCursor }, 200);
    })
    .openapi(routes.get, async (c) => {
      const user = await getAdminUser(c.get('deps'), c.req.valid('param').id);
      if (!user) throw new AuthError('NOT_FOUND', 'No such user');
      return c.json({ user: render(user) }, 200);
    })
    .openapi(routes.disable, async (c) => {
      const user = await disableUser(c.get('deps'), { userId: c.req.valid('param').id, actor: actorOf(c) });
      return c.json({ user: render(user) }, 200);
    })
    .openapi(routes.enable, async (c) => {
      const user = await enableUser(c.get('deps'), { userId: c.req.valid('param').id, actor: actorOf(c) });
      return c.json({ user: render(user) }, 200);
    })
    .openapi(routes.remove, async (c) => {
      await deleteUser(c.get('deps'), { userId: c.req.valid('param').id, actor: actorOf(c) });
      return c.body(null, 204);
    })
    .openapi(routes.revokeSessions, async (c) => {
      const revoked = await revokeUserSessions(c.get('deps'), { userId: c.req.valid('param').id, actor: actorOf(c) });
      return c.json({ revoked }, 200);
    })
    .openapi(routes.audit, async (c) => {
      const page = await queryAuditLog(c.get('deps').db, c.req.valid('query'));
      return c.json(
        { events: page.events.map((e) => ({ ...e, at: isoTime(e.at) })), nextCursor: page.nextCursor },
        200,
      );
    })
    .openapi(routes.metrics, async (c) => {
      const render = c.get('deps').renderMetrics;
      if (!render)
        throw new AuthError('NOT_FOUND', 'Metrics are not collected on this runtime (see docs/operations.md)');
      const { contentType, body } = await render();
      return c.body(body, 200, { 'Content-Type': contentType }) as never;
    })
    .openapi(routes.bootstrap, async (c) => {
      const deps = c.get('deps');
      const secret = deps.config.adminBootstrapSecret;
      if (!secret)
        throw new AuthError(
          'NOT_FOUND',
          'Bootstrap is off: set ADMIN_BOOTSTRAP_SECRET to make the first admin key this way',
        );
      const presented = /^Bearer (\S+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
      // Hashes compared in constant time: the secret leaks nothing through response timing.
      if (!timingSafeEqual(await sha256(presented), await sha256(secret)))
        throw new AuthError('UNAUTHORIZED', 'Send ADMIN_BOOTSTRAP_SECRET as Authorization: Bearer <secret>');
      const body = c.req.valid('json');
      const made = await createAdminKey(deps, {
        name: body.name,
        scopes: parseScopes(body.scopes?.join(',')),
        createdBy: 'bootstrap',
        onlyIfNone: true,
      });
      // Once only: after the first key exists, the secret opens nothing (remove it then).
      if (!made)
        throw new AuthError(
          'ALREADY_BOOTSTRAPPED',
          'An admin key exists already; make more with that key holder’s CLI, or remove ADMIN_BOOTSTRAP_SECRET',
        );
      c.header('Cache-Control', 'no-store');
      return c.json({ key: made.key, id: made.record.id, name: made.record.name, scopes: made.record.scopes }, 201);
    });
}
