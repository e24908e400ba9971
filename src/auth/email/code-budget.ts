/**
 * The wrong-code budget of a mailbox (API.md "The emailed message"): each code allows
 * MAX_CODE_ATTEMPTS tries, but a new code can be asked for every few minutes, so without a budget
 * across codes one account takes hundreds of guesses a day. After CODE_FAILURE_BUDGET wrong codes
 * for one mailbox (mailboxOf: spellings share it) within 24 hours, codes for it are refused (401)
 * until a link or code succeeds. The link in the same message keeps working, and a refusal uses
 * nothing up.
 *
 * Invariants:
 * - a wrong code is recorded by one conditional INSERT (never more than the budget is recorded,
 *   whatever runs in parallel), and the lock row by the next statement in the same batch;
 * - a code proof consumes its row only while the budget holds (budgetHolds, a condition of the
 *   consuming UPDATE), so a right guess racing the last wrong ones is refused too;
 * - a successful proof (link or code) deletes the mailbox's rows in its own batch.
 * Runtime-neutral: no node:* import.
 */
import { and, eq, gt, not, type Placeholder, sql, type SQL } from 'drizzle-orm';
import { noRow, rowCount } from '../../db/conditions.js';
import type { Db, PreparedStep } from '../../db/db.js';
import { placeholderValues, prepared, type PreparedCondition } from '../../db/prepared.js';
import { insertWhere } from '../../db/insert-where.js';
import { codeFailures } from '../../db/schema.js';

export const CODE_FAILURE_BUDGET = 10;
export const CODE_FAILURE_WINDOW_MS = 24 * 3_600_000;
/** A lock nobody cleared (the mailbox never used a link again) is forgotten after this long. */
export const CODE_LOCK_RETENTION_MS = 30 * 86_400_000;

const rowsOf = (mailbox: string | Placeholder, kind: 'failure' | 'lock', also?: SQL) =>
  and(eq(codeFailures.mailbox, mailbox), eq(codeFailures.kind, kind), also);

/** SQL true while codes for `mailbox` may still be tried at `now` (each a value or a placeholder). */
export function budgetHolds(mailbox: string | Placeholder, now: number | Placeholder): SQL {
  const since = typeof now === 'number' ? now - CODE_FAILURE_WINDOW_MS : sql`${now} - ${CODE_FAILURE_WINDOW_MS}`;
  const recentFailures = rowCount(codeFailures, rowsOf(mailbox, 'failure', gt(codeFailures.at, since)));
  return sql`(${noRow(codeFailures, rowsOf(mailbox, 'lock'))} AND ${recentFailures} < ${CODE_FAILURE_BUDGET})`;
}

/** budgetHolds for prepared statements (a code proof's consume). */
export function codeBudgetHolds(mailbox: string, now: number): PreparedCondition {
  return {
    key: 'codeBudgetHolds',
    build: () => budgetHolds(sql.placeholder('budget.mailbox'), sql.placeholder('budget.now')),
    values: { 'budget.mailbox': mailbox, 'budget.now': now },
  };
}

/** True when codes for `mailbox` are refused now. */
export async function isCodeBudgetSpent(db: Db, mailbox: string, now: number): Promise<boolean> {
  const [row] = await db.orm.all<{ ok: number }>(sql`SELECT ${budgetHolds(mailbox, now)} AS ok`);
  return !row?.ok;
}

/** Records one wrong code; once the budget is spent, locks codes for the mailbox. */
export async function recordCodeFailure(db: Db, mailbox: string, now: number): Promise<void> {
  await db.batch([
    insertWhere(db.orm, codeFailures, { mailbox, kind: 'failure', at: now }, budgetHolds(mailbox, now)),
    // The lock row once the budget is spent, only one per mailbox.
    insertWhere(
      db.orm,
      codeFailures,
      { mailbox, kind: 'lock', at: now },
      and(not(budgetHolds(mailbox, now)), noRow(codeFailures, rowsOf(mailbox, 'lock')))!,
    ),
  ]);
}

/** For a proof's batch: clears the mailbox's budget when `guard` holds (the proof used its row up). */
export function resetCodeBudget(db: Db, mailbox: string, guard: PreparedCondition): PreparedStep {
  const statement = prepared(db, `codeFailures.reset ${guard.key}`, (orm) =>
    orm
      .delete(codeFailures)
      .where(and(eq(codeFailures.mailbox, sql.placeholder('reset.mailbox')), guard.build()))
      .prepare(),
  );
  return { statement, values: placeholderValues(guard.values, { 'reset.mailbox': mailbox }) };
}
