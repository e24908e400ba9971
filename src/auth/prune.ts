/**
 * Housekeeping that keeps every table bounded: dead sessions (and their refresh tokens, by
 * cascade) a day after they died, sealed successors once the reuse window has passed, expired
 * challenges (WebAuthn and DBSC), links and rate-limit windows, wrong codes older than a day (and code locks after 30
 * days), delivered mail and webhooks (and every queued webhook when WEBHOOK_URL is unset), and
 * audit events past retention.
 *
 * Rotated legacy refresh tokens (rows from before self-describing tokens) of live sessions are
 * kept: reuse detection needs them until the session itself ends. Newer tokens need no rows. Deletes run in slices so a large backlog never holds the write lock for long.
 */
import { and, eq, gte, inArray, isNotNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { firstRows } from '../db/conditions.js';
import type { Config } from '../lib/config.js';
import type { Db } from '../db/db.js';
import {
  auditEvents,
  codeFailures,
  dbscChallenges,
  emailTokens,
  mailQueue,
  rateLimits,
  refreshTokens,
  sessions,
  webauthnChallenges,
  webhookEvents,
} from '../db/schema.js';
import { CODE_FAILURE_WINDOW_MS, CODE_LOCK_RETENTION_MS } from './email/code-budget.js';

const GRACE_MS = 86_400_000;
const SLICE = 5000;

/** One slice of a backlog per statement (db/conditions.ts). */
const slice = (table: SQLiteTable, where: SQL | undefined) => firstRows(table, where, SLICE);
const one = { one: sql<number>`1` };

/** Rows of the sessions table one statement of the prune looks at, at most. */
export const SESSION_SCAN_WINDOW = 20_000;

/**
 * The walk over all sessions reads every row; where the prune runs every minute (the Workers
 * cron), it walks the sessions only in every tenth minute: D1 bills rows read, and a million
 * sessions read each minute would be 1.4 billion rows a day. Dead sessions wait a day anyway.
 */
export function sessionWalkDue(scheduledAt: number): boolean {
  return Math.floor(scheduledAt / 60_000) % 10 === 0;
}

/**
 * Deletes the rows of `table` matching `where`, looking at `window` rowids per statement (and at
 * most SLICE deletions per statement), jumping the gaps between rowids: for tables whose condition
 * no index serves. Returns how many were deleted.
 */
async function deleteWalking(db: Db, table: SQLiteTable, where: SQL | undefined, window: number): Promise<number> {
  const rowid = sql<number>`rowid`;
  const windowStart = async (atLeast?: number) =>
    (
      await db.orm
        .select({ at: sql<number | null>`min(rowid)` })
        .from(table)
        .where(atLeast === undefined ? undefined : gte(rowid, atLeast))
    )[0]?.at ?? null;
  let deleted = 0;
  for (let from = await windowStart(); from !== null; ) {
    const to = from + window;
    deleted += await inSlices(() =>
      db.orm
        .delete(table)
        .where(slice(table, and(gte(rowid, from), lt(rowid, to), where)))
        .returning(one),
    );
    from = await windowStart(to);
  }
  return deleted;
}

/** Runs a sliced statement until a run touches fewer than SLICE rows; returns how many it touched. */
async function inSlices(statement: () => Promise<unknown[]>): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await statement();
    total += rows.length;
    if (rows.length < SLICE) return total;
  }
}

export async function pruneExpired({
  db,
  config,
  clock,
  scanWindow = SESSION_SCAN_WINDOW,
  walkSessions = true,
}: {
  db: Db;
  config: Config;
  clock: () => number;
  /** Tests use a small window to walk several. */
  scanWindow?: number;
  /** false: leave the sessions table for a later run (sessionWalkDue). */
  walkSessions?: boolean;
}): Promise<Record<string, number>> {
  const now = clock();
  const dead = now - GRACE_MS;
  const sealedUntil = now - config.refreshReuseWindow * 1000 - 60_000;
  const { orm } = db;
  const statements: Record<string, () => Promise<unknown[]>> = {
    successors: () =>
      orm
        .update(refreshTokens)
        .set({ successorSealed: null })
        .where(
          slice(refreshTokens, and(isNotNull(refreshTokens.successorSealed), lt(refreshTokens.rotatedAt, sealedUntil))),
        )
        .returning(one),
    // Only sessions rotated in the last minutes are in this partial index: no scan of all sessions.
    sessionSuccessors: () =>
      orm
        .update(sessions)
        .set({ refreshPrevSealed: null })
        .where(slice(sessions, and(isNotNull(sessions.refreshPrevSealed), lt(sessions.refreshAt, sealedUntil))))
        .returning(one),
    auditEvents: () =>
      orm
        .delete(auditEvents)
        .where(slice(auditEvents, lt(auditEvents.at, now - config.auditRetention * 1000)))
        .returning(one),
    emailTokens: () =>
      orm
        .delete(emailTokens)
        .where(slice(emailTokens, lt(emailTokens.expiresAt, dead)))
        .returning(one),
    codeFailures: () =>
      orm
        .delete(codeFailures)
        .where(
          slice(
            codeFailures,
            or(
              and(eq(codeFailures.kind, 'failure'), lt(codeFailures.at, now - CODE_FAILURE_WINDOW_MS)),
              lt(codeFailures.at, now - CODE_LOCK_RETENTION_MS),
            ),
          ),
        )
        .returning(one),
    challenges: () =>
      orm
        .delete(webauthnChallenges)
        .where(slice(webauthnChallenges, lt(webauthnChallenges.expiresAt, now)))
        .returning(one),
    dbscChallenges: () =>
      orm
        .delete(dbscChallenges)
        .where(slice(dbscChallenges, lt(dbscChallenges.expiresAt, now)))
        .returning(one),
    // Delivered events after a day, dead ones with the audit log; with no WEBHOOK_URL nobody listens.
    webhooks: () =>
      orm
        .delete(webhookEvents)
        .where(
          slice(
            webhookEvents,
            or(
              and(eq(webhookEvents.status, 'delivered'), lt(webhookEvents.createdAt, dead)),
              and(eq(webhookEvents.status, 'dead'), lt(webhookEvents.createdAt, now - config.auditRetention * 1000)),
              config.webhookUrl === null ? eq(webhookEvents.status, 'pending') : undefined,
            ),
          ),
        )
        .returning(one),
    mail: () =>
      orm
        .delete(mailQueue)
        .where(
          slice(mailQueue, and(lt(mailQueue.createdAt, dead), inArray(mailQueue.status, ['sent', 'failed', 'outbox']))),
        )
        .returning(one),
  };
  // A window that does not move forward would never end.
  if (!Number.isSafeInteger(scanWindow) || scanWindow < 1) throw new RangeError(`scanWindow: ${scanWindow}`);
  const counts: Record<string, number> = {};
  // Idle and revocation times have no index (one on the idle expiry would be rewritten by every
  // refresh), so dead sessions are found by walking the table in rowid windows: no statement
  // scans more than `scanWindow` rows while it holds the write lock (a whole scan of a million
  // sessions held it for about a second).
  counts.sessions = walkSessions
    ? await deleteWalking(
        db,
        sessions,
        or(lt(sessions.absoluteExpiresAt, dead), lt(sessions.idleExpiresAt, dead), lt(sessions.revokedAt, dead)),
        scanWindow,
      )
    : 0;
  // A GCRA row whose tat has passed holds no state: a fresh row would answer the same. Walked too:
  // an index on tat would be rewritten by every request to /auth/*.
  counts.rateLimits = await deleteWalking(db, rateLimits, lt(rateLimits.tat, now), scanWindow);
  for (const [name, statement] of Object.entries(statements)) counts[name] = await inSlices(statement);
  return counts;
}
