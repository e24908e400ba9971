/**
 * The mail queue: nothing a sign-in depends on is lost between the database and the transport.
 *
 * Life of a message (one row of mail_queue):
 * - queued in the same batch as whatever it announces (a link and code), as 'pending', due now;
 *   with no transport (deps.mailer === null, the development outbox) it is stored as 'outbox'
 *   instead and logged, link and code visible (API.md: development only);
 * - after the batch commits, one attempt runs in the background (deps.defer), and Node's timer
 *   runs deliverDueMail every few seconds for the rest;
 * - an attempt first claims the row with one conditional UPDATE ('pending' or a 'sending' whose
 *   lease ran out -> 'sending', lease = next_attempt_at = now + SEND_LEASE_MS), so two instances
 *   never send the same message at once; a sender that died mid-send leaves a row any instance may
 *   take again once the lease has passed (delivery is at-least-once, never at-most-once);
 * - accepted by the transport -> 'sent', body wiped (it holds the link and code), audited
 *   'email.sent'; a transient failure -> back to 'pending' with backoff (5 s, 15 s, 45 s, ...
 *   capped at 5 min); a permanent failure (5xx), or a link that expires before the next attempt ->
 *   'failed', body wiped, logged and audited 'email.send_failed'.
 * Logs and last_error carry ids, addresses and transport errors, never a body.
 * Runtime-neutral: no node:* import.
 */
import { and, eq, inArray, lte, or, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Db } from '../db/db.js';
import type { Logger } from '../lib/log.js';
import type { Metrics } from '../metrics/metrics.js';
import { mailQueue } from '../db/schema.js';
import { auditInsert } from '../audit/audit.js';
import { generateId } from '../lib/crypto.js';
import { MailDeliveryError, type Mailer, type MailMessage } from './mailer.js';

export type MailQueueRow = typeof mailQueue.$inferSelect;
export type MailStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'outbox';
/** What queueing and delivering mail needs: declared here, so mail/ depends on nothing above it. */
export interface MailDeps {
  db: Db;
  clock: () => number;
  logger: Logger;
  /** null: the development outbox (messages stay in the queue, readable at /dev/outbox). */
  mailer: Mailer | null;
  /** Runs work after the response is sent (waitUntil on Workers). */
  defer: (work: Promise<unknown>) => void;
  metrics?: Metrics;
}

/** How long a claimed row belongs to its sender before another instance may take it over. */
export const SEND_LEASE_MS = 60_000;
const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 5 * 60_000;

/** Delay before attempt n + 1 after n failed attempts: 5 s, 15 s, 45 s, ... at most 5 min. */
export function retryDelay(attempts: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 3 ** Math.max(0, attempts - 1));
}

export interface QueuedMail {
  id: string;
  /** Put these into the batch that must commit together with the message. */
  statements: BatchItem<'sqlite'>[];
  /** Call once that batch has committed: logs an outbox message or starts the first attempt. */
  afterCommit(): void;
}

/**
 * A message ready to be stored with other statements; see enqueueMail for the one-call form.
 * `expiresAt`: when the message stops being worth sending (its link's expiry).
 */
export function queueMail(deps: MailDeps, message: MailMessage, { expiresAt }: { expiresAt: number }): QueuedMail {
  const { db, clock, logger, mailer } = deps;
  const now = clock();
  const id = generateId();
  const outbox = mailer === null;
  const statements: BatchItem<'sqlite'>[] = [
    db.orm.insert(mailQueue).values({
      id,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      createdAt: now,
      status: outbox ? 'outbox' : 'pending',
      attempts: 0,
      nextAttemptAt: now,
      expiresAt,
    }),
  ];
  if (outbox)
    statements.push(
      auditInsert(db, { at: now, type: 'email.sent', detail: { mailId: id, to: message.to, transport: 'outbox' } }),
    );
  return {
    id,
    statements,
    afterCommit() {
      if (outbox) {
        // Development only (production refuses to start without a transport): the person reads the link here.
        logger.log('info', 'development outbox: mail kept, not sent (GET /dev/outbox)', {
          mailId: id,
          to: message.to,
          subject: message.subject,
          text: message.text,
        });
        return;
      }
      deps.metrics?.mail('queued');
      deps.defer(deliverMail(deps, id));
    },
  };
}

/** Stores a message and starts its first delivery attempt in the background. Returns its id. */
export async function enqueueMail(
  deps: MailDeps,
  message: MailMessage,
  options: { expiresAt: number },
): Promise<string> {
  const queued = queueMail(deps, message, options);
  await deps.db.batch(queued.statements as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
  queued.afterCommit();
  return queued.id;
}

export type DeliveryOutcome = 'sent' | 'retry' | 'failed' | 'outbox' | 'skipped';

/** Rows a sender may take: due 'pending' ones, and 'sending' ones whose sender's lease ran out. */
const claimable = (now: number) =>
  and(inArray(mailQueue.status, ['pending', 'sending']), lte(mailQueue.nextAttemptAt, now));

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);

/**
 * One delivery attempt of one message, if it is due and no one else holds it. Never throws for a
 * transport failure: the outcome is recorded on the row.
 */
export async function deliverMail(deps: MailDeps, id: string): Promise<DeliveryOutcome> {
  const { db, clock, logger, mailer } = deps;
  const now = clock();
  // The claim: only one sender can move the row to 'sending' under a fresh lease.
  const [row] = await db.orm
    .update(mailQueue)
    .set({ status: 'sending', attempts: sql`${mailQueue.attempts} + 1`, nextAttemptAt: now + SEND_LEASE_MS })
    .where(and(eq(mailQueue.id, id), claimable(now), sql`${mailQueue.expiresAt} > ${now}`))
    .returning();
  if (!row) return 'skipped';
  const ours = and(eq(mailQueue.id, id), eq(mailQueue.status, 'sending'), eq(mailQueue.attempts, row.attempts));

  if (mailer === null) {
    // Queued while a transport was configured, delivered without one: keep it in the outbox.
    await db.orm.update(mailQueue).set({ status: 'outbox' }).where(ours);
    logger.log('info', 'development outbox: mail kept, not sent (GET /dev/outbox)', {
      mailId: id,
      to: row.to,
      subject: row.subject,
      text: row.text,
    });
    return 'outbox';
  }

  try {
    await mailer.send({ to: row.to, subject: row.subject, text: row.text, html: row.html });
  } catch (err) {
    const at = clock();
    const permanent = err instanceof MailDeliveryError && err.permanent;
    const retryAt = at + retryDelay(row.attempts);
    if (!permanent && retryAt < row.expiresAt) {
      await db.orm
        .update(mailQueue)
        .set({ status: 'pending', nextAttemptAt: retryAt, lastError: errorText(err) })
        .where(ours);
      deps.metrics?.mail('retry');
      logger.log('warn', 'mail delivery failed; will retry', {
        mailId: id,
        to: row.to,
        attempts: row.attempts,
        retryInMs: retryAt - at,
        error: errorText(err),
      });
      return 'retry';
    }
    await markFailed(
      deps,
      row,
      permanent ? errorText(err) : `link expires before the next attempt; last error: ${errorText(err)}`,
      ours,
    );
    return 'failed';
  }

  const at = clock();
  await db.batch([
    // The body holds the link and code: once handed over, nothing needs it any more.
    db.orm.update(mailQueue).set({ status: 'sent', sentAt: at, text: '', html: '', lastError: null }).where(ours),
    auditInsert(db, {
      at,
      type: 'email.sent',
      detail: { mailId: id, to: row.to, attempts: row.attempts, transport: mailer.name },
    }),
  ]);
  deps.metrics?.mail('sent');
  return 'sent';
}

async function markFailed(deps: MailDeps, row: MailQueueRow, reason: string, where: ReturnType<typeof and>) {
  const { db, clock, logger } = deps;
  const at = clock();
  await db.batch([
    db.orm
      .update(mailQueue)
      .set({ status: 'failed', text: '', html: '', lastError: reason.slice(0, 500) })
      .where(where),
    auditInsert(db, {
      at,
      type: 'email.send_failed',
      detail: { mailId: row.id, to: row.to, attempts: row.attempts, reason: reason.slice(0, 200) },
    }),
  ]);
  logger.log('error', 'mail given up', { mailId: row.id, to: row.to, attempts: row.attempts, error: reason });
  deps.metrics?.mail('failed');
}

export interface DeliveryReport {
  sent: number;
  retry: number;
  failed: number;
  expired: number;
}

/**
 * The retry loop's one step, safe to run on every instance at once: gives up messages whose link
 * has expired, then attempts every due message (at most `limit`), one after the other.
 */
export async function deliverDueMail(deps: MailDeps, { limit = 50 }: { limit?: number } = {}): Promise<DeliveryReport> {
  const { db, clock, logger } = deps;
  const now = clock();
  const report: DeliveryReport = { sent: 0, retry: 0, failed: 0, expired: 0 };

  const expired = await db.orm
    .update(mailQueue)
    .set({
      status: 'failed',
      text: '',
      html: '',
      lastError: sql`coalesce(${mailQueue.lastError} || '; ', '') || 'link expired before delivery'`,
    })
    .where(
      and(
        or(eq(mailQueue.status, 'pending'), and(eq(mailQueue.status, 'sending'), lte(mailQueue.nextAttemptAt, now))),
        lte(mailQueue.expiresAt, now),
      ),
    )
    .returning({ id: mailQueue.id, to: mailQueue.to, attempts: mailQueue.attempts });
  for (const row of expired) {
    await auditInsert(db, {
      at: now,
      type: 'email.send_failed',
      detail: { mailId: row.id, to: row.to, attempts: row.attempts, reason: 'link expired before delivery' },
    });
    logger.log('error', 'mail given up', {
      mailId: row.id,
      to: row.to,
      attempts: row.attempts,
      error: 'link expired before delivery',
    });
    deps.metrics?.mail('failed');
  }
  report.expired = expired.length;

  const due = await db.orm
    .select({ id: mailQueue.id })
    .from(mailQueue)
    .where(and(claimable(now), sql`${mailQueue.expiresAt} > ${now}`))
    .orderBy(mailQueue.nextAttemptAt)
    .limit(limit);
  for (const { id } of due) {
    const outcome = await deliverMail(deps, id);
    if (outcome === 'sent' || outcome === 'retry' || outcome === 'failed') report[outcome]++;
  }
  return report;
}
