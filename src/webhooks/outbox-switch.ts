/**
 * The outbox switch: the triggers that write webhook_events rows (migrations 0009 and 0011) do so
 * only while webhook_outbox says on (or holds no row). With WEBHOOK_URL unset there is nobody to
 * post to: every sign-in would write a row (and its three index entries) that the prune deletes
 * later. Housekeeping sets the switch from the configuration: on Node once per deployment at
 * start and with every prune, on Workers from the cron trigger.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/db.js';
import { webhookOutbox } from '../db/schema.js';

/** Turns the outbox on when a WEBHOOK_URL is configured, off otherwise; writes only on a change. */
export async function syncWebhookOutbox({ db, config }: { db: Db; config: { webhookUrl: string | null } }) {
  const enabled = config.webhookUrl !== null;
  await db.orm
    .insert(webhookOutbox)
    .values({ id: 1, enabled })
    .onConflictDoUpdate({
      target: webhookOutbox.id,
      set: { enabled },
      // An unchanged switch is not written again.
      setWhere: sql`${webhookOutbox.enabled} <> ${enabled ? 1 : 0}`,
    });
}
