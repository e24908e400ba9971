/**
 * GET /healthz (readiness: 200 `{"ok": true}` or 503 with the reason) and GET /livez (the process
 * answers; no I/O). Health checks: the database answers, it has every migration this code ships,
 * a signing key is active, and the mail queue is moving (nothing due waits longer than STUCK_MS).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { inArray, min, sql } from 'drizzle-orm';
import { mailQueue } from '../db/schema.js';
import type { Deps } from '../http/deps.js';
import { createRouter, jsonContent } from '../http/router.js';

/** Due mail older than this means no deliverer is running (Node retries every 5 s, the Workers cron every minute). */
export const STUCK_MS = 10 * 60_000;

export async function checkHealth(deps: Deps): Promise<true | string> {
  try {
    await deps.db.orm.all(sql`SELECT 1`);
  } catch (err) {
    return `database does not answer: ${(err as Error).message}`;
  }
  const migrations = await deps.migrationsCurrent().catch((err: Error) => `migrations unreadable: ${err.message}`);
  if (migrations !== true) return migrations;
  try {
    const key = await deps.keys.signingKey();
    if (key.retiredAt !== null) return 'no active signing key';
  } catch (err) {
    return `no active signing key: ${(err as Error).message}`;
  }
  const [oldest] = await deps.db.orm
    .select({ due: min(mailQueue.nextAttemptAt) })
    .from(mailQueue)
    .where(inArray(mailQueue.status, ['pending', 'sending']));
  if (oldest?.due != null && deps.clock() - Number(oldest.due) > STUCK_MS) {
    return `mail queue stuck: a message has been due since ${new Date(Number(oldest.due)).toISOString()}`;
  }
  return true;
}

const health = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  tags: ['Service'],
  summary: 'Readiness: database, migrations, signing key, mail queue',
  responses: {
    200: jsonContent(z.object({ ok: z.literal(true) }), 'Every check passed'),
    503: jsonContent(z.object({ ok: z.literal(false), reason: z.string() }), 'A check failed; the reason names it'),
  },
});

const live = createRoute({
  method: 'get',
  path: '/livez',
  operationId: 'getLiveness',
  tags: ['Service'],
  summary: 'Liveness: the process answers',
  responses: { 200: jsonContent(z.object({ ok: z.literal(true) }), 'Alive') },
});

export function healthRoutes() {
  return createRouter()
    .openapi(health, async (c) => {
      c.header('Cache-Control', 'no-store');
      const result = await checkHealth(c.get('deps'));
      if (result === true) return c.json({ ok: true as const }, 200);
      c.get('deps').logger.log('warn', 'health check failed', { reason: result });
      return c.json({ ok: false as const, reason: result }, 503);
    })
    .openapi(live, (c) => {
      c.header('Cache-Control', 'no-store');
      return c.json({ ok: true as const }, 200);
    });
}
