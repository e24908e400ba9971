/**
 * Housekeeping that keeps every table bounded: dead sessions (and their refresh tokens, by
 * cascade) a day after they died, sealed successors once the reuse window has passed, expired
 * challenges, links and rate-limit windows, wrong codes older than a day (and code locks after 30 days), delivered mail, and audit events past retention.
 *
 * Rotated legacy refresh tokens (rows from before self-describing tokens) of live sessions are
 * kept: reuse detection needs them until the session itself ends. Newer tokens need no rows. Deletes run in slices so a large backlog never holds the write lock for long.
 */
import { sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { CODE_FAILURE_WINDOW_MS, CODE_LOCK_RETENTION_MS } from './code-budget.js';

const GRACE_MS = 86_400_000;
const SLICE = 5000;

export async function pruneExpired({ db, config, clock }: { db: Db; config: Config; clock: () => number }): Promise<Record<string, number>> {
  const now = clock();
  const dead = now - GRACE_MS;
  const statements: Record<string, ReturnType<typeof sql>> = {
    sessions: sql`DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM sessions
      WHERE absolute_expires_at < ${dead} OR idle_expires_at < ${dead} OR revoked_at < ${dead} LIMIT ${SLICE}) RETURNING 1`,
    successors: sql`UPDATE refresh_tokens SET successor_sealed = NULL WHERE rowid IN (SELECT rowid FROM refresh_tokens
      WHERE successor_sealed IS NOT NULL AND rotated_at < ${now - config.refreshReuseWindow * 1000 - 60_000} LIMIT ${SLICE}) RETURNING 1`,
    // Only sessions rotated in the last minutes are in this partial index: no scan of all sessions.
    sessionSuccessors: sql`UPDATE sessions SET refresh_prev_sealed = NULL WHERE rowid IN (SELECT rowid FROM sessions
      WHERE refresh_prev_sealed IS NOT NULL AND refresh_at < ${now - config.refreshReuseWindow * 1000 - 60_000} LIMIT ${SLICE}) RETURNING 1`,
    auditEvents: sql`DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at < ${now - config.auditRetention * 1000} LIMIT ${SLICE}) RETURNING 1`,
    // A GCRA row whose tat has passed holds no state: a fresh row would answer the same.
    rateLimits: sql`DELETE FROM rate_limits WHERE rowid IN (SELECT rowid FROM rate_limits WHERE tat < ${now} LIMIT ${SLICE}) RETURNING 1`,
    emailTokens: sql`DELETE FROM email_tokens WHERE rowid IN (SELECT rowid FROM email_tokens WHERE expires_at < ${dead} LIMIT ${SLICE}) RETURNING 1`,
    codeFailures: sql`DELETE FROM code_failures WHERE id IN (SELECT id FROM code_failures
      WHERE (kind = 'failure' AND at < ${now - CODE_FAILURE_WINDOW_MS}) OR at < ${now - CODE_LOCK_RETENTION_MS} LIMIT ${SLICE}) RETURNING 1`,
    challenges: sql`DELETE FROM webauthn_challenges WHERE rowid IN (SELECT rowid FROM webauthn_challenges WHERE expires_at < ${now} LIMIT ${SLICE}) RETURNING 1`,
    mail: sql`DELETE FROM mail_queue WHERE rowid IN (SELECT rowid FROM mail_queue WHERE created_at < ${dead} AND status IN ('sent', 'failed', 'outbox') LIMIT ${SLICE}) RETURNING 1`,
  };
  const counts: Record<string, number> = {};
  for (const [name, statement] of Object.entries(statements)) {
    let total = 0;
    for (;;) {
      const rows = await db.orm.all(statement);
      total += rows.length;
      if (rows.length < SLICE) break;
    }
    counts[name] = total;
  }
  return counts;
}
