/**
 * The development outbox (API.md): with no SMTP_URL outside production, messages are stored in
 * mail_queue with status 'outbox' instead of being sent (see queue.ts), and read back here for
 * GET /dev/outbox. Rows are pruned a day after they were written, like any finished message.
 */
import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/db.js';
import { mailQueue } from '../db/schema.js';

export interface OutboxMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** ISO 8601, UTC. */
  createdAt: string;
}

/** Kept messages, newest first (insertion order breaks ties within one millisecond). */
export async function listOutbox(db: Db, { limit = 100 }: { limit?: number } = {}): Promise<OutboxMessage[]> {
  const rows = await db.orm
    .select({
      to: mailQueue.to,
      subject: mailQueue.subject,
      text: mailQueue.text,
      html: mailQueue.html,
      createdAt: mailQueue.createdAt,
    })
    .from(mailQueue)
    .where(eq(mailQueue.status, 'outbox'))
    .orderBy(desc(mailQueue.createdAt), sql`rowid DESC`)
    .limit(limit);
  return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() }));
}
