/**
 * The one place that reads drizzle's unexported fields. The batch executors of both adapters need
 * them: drizzle has no public way to run a built query inside a caller's better-sqlite3
 * transaction, nor to bind a prepared D1 statement for a D1 batch without rebuilding its SQL.
 * drizzle-internals.test.ts pins every field used here, so a drizzle upgrade that moves one fails
 * that test, not a sign-in.
 */
import { fillPlaceholders } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';

/** A built drizzle query on better-sqlite3 (sync): rows for a read or RETURNING, else a RunResult. */
export function runSqliteQuery(item: BatchItem<'sqlite'>): unknown {
  const q = item as unknown as { all(): unknown; run(): unknown; config: { returning?: unknown; fields?: unknown } };
  return q.config.returning !== undefined || q.config.fields !== undefined ? q.all() : q.run();
}

/** A query prepared once on better-sqlite3, run with this call's placeholder values. */
export function runSqlitePrepared(statement: unknown, values: Record<string, unknown> | undefined): unknown {
  const q = statement as { executeMethod: string; all(v?: unknown): unknown; run(v?: unknown): unknown };
  return q.executeMethod === 'run' ? q.run(values) : q.all(values);
}

interface D1Prepared {
  stmt: { bind(...values: unknown[]): unknown };
  query: { params: unknown[] };
  mapResult(result: unknown, isFromBatch: boolean): unknown;
}

/** A query prepared once on D1, bound to this call's placeholder values (a D1 statement for batch()). */
export function bindD1Prepared(statement: unknown, values: Record<string, unknown> | undefined): unknown {
  const q = statement as D1Prepared;
  return q.stmt.bind(...fillPlaceholders(q.query.params, values ?? {}));
}

/** A D1 batch result mapped the way drizzle maps it for this prepared query (rows, typed columns). */
export function mapD1Result(statement: unknown, result: unknown): unknown {
  return (statement as D1Prepared).mapResult(result, true);
}
