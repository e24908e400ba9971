/**
 * GET /dev/outbox (API.md "Development outbox"): the mail kept instead of sent when SMTP_URL is
 * unset outside production, newest first. It holds working sign-in links, so it answers only
 * outside production AND behind a loopback PUBLIC_URL (config.devOutbox); anywhere else it is a
 * 404 whatever the transport (and such a service refuses to start without a transport anyway).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { AuthError } from '../auth/errors.js';
import { createRouter, errorResponses, jsonContent } from '../http/router.js';
import { listOutbox } from '../mail/outbox.js';

const OutboxMessage = z
  .object({ to: z.string(), subject: z.string(), text: z.string(), html: z.string(), createdAt: z.string() })
  .openapi('OutboxMessage');

const outbox = createRoute({
  method: 'get',
  path: '/dev/outbox',
  operationId: 'listDevOutbox',
  tags: ['Development'],
  summary: 'Development only: the messages kept instead of sent (404 in production)',
  responses: {
    200: jsonContent(z.object({ messages: z.array(OutboxMessage) }), 'Kept messages, newest first'),
    ...errorResponses(404),
  },
});

export function devOutboxRoutes() {
  return createRouter().openapi(outbox, async (c) => {
    const { config, db } = c.get('deps');
    // Sign-in links for anyone's address: never served in production or behind a public origin.
    if (!config.devOutbox) throw new AuthError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`);
    c.header('Cache-Control', 'no-store');
    return c.json({ messages: await listOutbox(db) }, 200);
  });
}
