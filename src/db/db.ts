/**
 * The Db handle the domain uses, the same on better-sqlite3 and D1.
 *
 * D1 has no interactive transactions, so the domain never reads inside a transaction: every
 * change that must be all-or-nothing is one conditional statement or a `batch()` of statements
 * that runs whole or not at all (D1's batch; on better-sqlite3 a `BEGIN IMMEDIATE` transaction).
 * Only results of SELECT or `.returning()` are read from a batch: the shape of a bare run result
 * differs between drivers.
 */
import type { BatchItem, BatchResponse } from 'drizzle-orm/batch';
import type { BaseSQLiteDatabase, SQLitePreparedQuery } from 'drizzle-orm/sqlite-core';
import type { Schema } from './schema.js';

export type Orm = BaseSQLiteDatabase<'async', unknown, Schema>;
export type Batch = readonly [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]];

/** A statement prepared once (drizzle `.prepare()` with `sql.placeholder`s) and the values for this run. */
export interface PreparedStep {
  // biome-ignore lint/suspicious/noExplicitAny: a prepared query of any result shape; the executor maps it
  statement: SQLitePreparedQuery<any>;
  values?: Record<string, unknown>;
}

export interface Db {
  readonly driver: 'better-sqlite3' | 'd1';
  readonly orm: Orm;
  batch<T extends Batch>(items: T): Promise<BatchResponse<T>>;
  /**
   * batch() for prepared statements: the hot paths skip drizzle's query building on every call.
   * Same all-or-nothing contract; results are the rows of SELECT/RETURNING steps.
   */
  batchPrepared(steps: readonly PreparedStep[]): Promise<unknown[]>;
}
