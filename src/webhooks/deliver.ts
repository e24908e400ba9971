/**
 * Webhook delivery from the outbox (webhook_events; rows are written by the audit triggers of
 * drizzle/0009_webhook_outbox_triggers.sql, in the transaction of the change they report).
 *
 * Life of an event:
 * - 'pending', due at once. A deliverer claims it with one conditional UPDATE ('pending', or a
 *   'sending' whose lease ran out -> 'sending', attempts + 1, lease = next_attempt_at), so two
 *   instances never post the same attempt; a deliverer killed mid-post leaves a row any instance
 *   takes again after the lease: delivery is at least once, and receivers dedupe by webhook-id,
 *   which is the row id and the same on every try.
 * - posted with the Standard Webhooks headers, signed at each try (fresh timestamp), the body
 *   byte for byte as stored; redirects are not followed; DELIVERY_TIMEOUT_MS at most.
 * - 2xx -> 'delivered'. Anything else (3xx, 4xx, 5xx, timeout, refused or reset connection) ->
 *   'pending' again after the next delay of RETRY_DELAYS_MS with +-20% jitter (5 s, 5 min,
 *   30 min, 2 h, 5 h, 10 h, 10 h: about 28 hours in all, so a receiver down for an hour loses
 *   nothing); after the last try -> 'dead', an audit event 'webhook.dead' and a metric.
 * Delivery never runs inside a request's work: a receiver that hangs cannot slow a sign-in.
 * Runtime-neutral: fetch and WebCrypto only.
 */
import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/db.js';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/log.js';
import type { Metrics } from '../metrics/metrics.js';
import { webhookEvents } from '../db/schema.js';
import { auditInsert } from '../audit/audit.js';
import { signWebhook } from './sign.js';

/** What delivery needs: declared here, so webhooks/ depends on nothing above it. */
export interface WebhookDeps {
  db: Db;
  clock: () => number;
  logger: Logger;
  config: Config;
  metrics: Metrics;
  fetch?: typeof fetch;
  random?: () => number;
}

export const RETRY_DELAYS_MS = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
export const DELIVERY_TIMEOUT_MS = 10_000;
/** Longer than a delivery can take, so a live deliverer never loses its row to another. */
export const LEASE_MS = DELIVERY_TIMEOUT_MS + 20_000;

export type WebhookOutcome = 'delivered' | 'retry' | 'dead' | 'skipped';

const claimable = (now: number) =>
  and(inArray(webhookEvents.status, ['pending', 'sending']), lte(webhookEvents.nextAttemptAt, now));

/** Delay before the try after `attempts` failed ones, with +-20% jitter so retries do not stampede. */
export function nextDelay(attempts: number, random: () => number = Math.random): number {
  const base = RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1] ?? RETRY_DELAYS_MS[0]!;
  return Math.round(base * (0.8 + 0.4 * random()));
}

async function post(deps: WebhookDeps, row: typeof webhookEvents.$inferSelect): Promise<string | null> {
  const { config, clock } = deps;
  const headers = await signWebhook({
    secret: config.webhookSecret!,
    id: row.id,
    timestamp: Math.floor(clock() / 1000),
    body: row.body,
  });
  try {
    const res = await (deps.fetch ?? fetch)(config.webhookUrl!, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'Sesame-Webhooks/1' },
      body: row.body,
      // A redirect is an answer we do not follow: the receiver's address is configured, not discovered.
      redirect: 'manual',
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await res.body?.cancel().catch(() => {});
    return res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`;
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string } };
    return (
      e.name === 'TimeoutError'
        ? 'timed out'
        : `${e.message ?? String(err)}${e.cause?.code ? ` (${e.cause.code})` : ''}`
    ).slice(0, 300);
  }
}

/** One delivery try of one event, if it is due and no one else holds it. Never throws for a receiver's failure. */
export async function deliverWebhook(deps: WebhookDeps, id: string): Promise<WebhookOutcome> {
  const { db, clock, logger } = deps;
  const now = clock();
  const [row] = await db.orm
    .update(webhookEvents)
    .set({ status: 'sending', attempts: sql`${webhookEvents.attempts} + 1`, nextAttemptAt: now + LEASE_MS })
    .where(and(eq(webhookEvents.id, id), claimable(now)))
    .returning();
  if (!row) return 'skipped';
  const ours = and(
    eq(webhookEvents.id, id),
    eq(webhookEvents.status, 'sending'),
    eq(webhookEvents.attempts, row.attempts),
  );

  const error = await post(deps, row);
  const at = clock();
  if (error === null) {
    await db.orm.update(webhookEvents).set({ status: 'delivered', deliveredAt: at, lastError: null }).where(ours);
    deps.metrics.webhook('sent');
    return 'delivered';
  }
  if (row.attempts < MAX_ATTEMPTS) {
    const delay = nextDelay(row.attempts, deps.random);
    await db.orm
      .update(webhookEvents)
      .set({ status: 'pending', nextAttemptAt: at + delay, lastError: error })
      .where(ours);
    logger.log('warn', 'webhook delivery failed; will retry', {
      webhookId: id,
      type: row.type,
      attempts: row.attempts,
      retryInMs: delay,
      error,
    });
    deps.metrics.webhook('retry');
    return 'retry';
  }
  await db.batch([
    db.orm.update(webhookEvents).set({ status: 'dead', lastError: error }).where(ours),
    auditInsert(db, {
      at,
      type: 'webhook.dead',
      detail: { webhookId: id, eventType: row.type, attempts: row.attempts, lastError: error },
    }),
  ]);
  logger.log('error', 'webhook given up after the last try', {
    webhookId: id,
    type: row.type,
    attempts: row.attempts,
    error,
  });
  deps.metrics.webhook('dead');
  return 'dead';
}

export interface WebhookReport {
  delivered: number;
  retry: number;
  dead: number;
}

/**
 * Tries every due event, oldest first, at most `limit`. A failed try ends the run (the receiver is
 * likely down): the rest wait for the next run, each on its own schedule.
 */
export async function deliverDueWebhooks(deps: WebhookDeps, { limit = 100 } = {}): Promise<WebhookReport> {
  const report: WebhookReport = { delivered: 0, retry: 0, dead: 0 };
  if (deps.config.webhookUrl === null) return report;
  const due = await deps.db.orm
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(claimable(deps.clock()))
    .orderBy(asc(webhookEvents.nextAttemptAt))
    .limit(limit);
  for (const { id } of due) {
    const outcome = await deliverWebhook(deps, id);
    if (outcome === 'skipped') continue;
    report[outcome]++;
    if (outcome !== 'delivered') break;
  }
  return report;
}
