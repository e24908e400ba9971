/**
 * Conditions over other rows, for the guards of conditional statements (a batch on D1 cannot read
 * and then decide, so each statement carries its own precondition). Built with drizzle column
 * references: a renamed column breaks the compile, not a sign-in.
 */
import { count, exists, inArray, notExists, sql, type SQL } from 'drizzle-orm';
import { QueryBuilder, type SQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';

// Sub-queries only (they become conditions of other statements), so no database handle is needed.
const qb = new QueryBuilder();

const oneOf = (table: SQLiteTable, where?: SQL) => qb.select({ one: sql`1` }).from(table).where(where);

/** `EXISTS (SELECT 1 FROM table WHERE where)`. */
export const anyRow = (table: SQLiteTable, where?: SQL): SQL => exists(oneOf(table, where));

/** `NOT EXISTS (SELECT 1 FROM table WHERE where)`. */
export const noRow = (table: SQLiteTable, where?: SQL): SQL => notExists(oneOf(table, where));

/** `(SELECT count(*) FROM table WHERE where)`, to compare inside a condition. */
export const rowCount = (table: SQLiteTable, where?: SQL): SQL =>
  sql`${qb.select({ n: count() }).from(table).where(where)}`;

/**
 * SQLite's changes(): rows changed by the statement just before, in this batch (same connection,
 * same transaction on better-sqlite3 and D1). Used where a later statement must happen only if the
 * previous conditional one took effect, and the resulting state alone cannot tell (a parallel
 * request may have produced the same state).
 */
export const previousStatementChangedARow: SQL = sql`changes() = 1`;

/** A scalar sub-query `(SELECT value FROM table WHERE where)`, to select or compare (correlated when `where` names an outer column). */
export const scalar = <T>(table: SQLiteTable, value: SQL | SQLiteColumn, where?: SQL): SQL<T> =>
  sql<T>`${qb.select({ value }).from(table).where(where)}`;

/** `rowid IN (the first `limit` rows of table matching where)`: one slice of a backlog per statement. */
export const firstRows = (table: SQLiteTable, where: SQL | undefined, limit: number): SQL =>
  inArray(sql`rowid`, qb.select({ rowid: sql`rowid` }).from(table).where(where).limit(limit));
