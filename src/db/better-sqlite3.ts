/**
 * Node adapter: opens the SQLite file for several processes at once and applies migrations.
 *
 * WAL lets readers run beside the one writer; busy_timeout makes a writer wait instead of
 * failing; batches run as BEGIN IMMEDIATE so a transaction takes the write lock up front and
 * cannot deadlock on an upgrade from a read lock (the SQLITE_BUSY storm of deferred transactions).
 * synchronous=NORMAL in WAL mode is durable against a process crash and keeps integrity on power
 * loss (the last transactions may roll back); FULL costs several times more per write.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { Db, Orm } from './db.js';
import { runSqlitePrepared, runSqliteQuery } from './drizzle-internals.js';
import { schema } from './schema.js';

export interface OpenSqliteOptions {
  path: string;
  migrationsFolder?: string;
  busyTimeoutMs?: number;
  /** false in the worker processes of the multi-process mode: the primary migrated the file before forking them. */
  migrate?: boolean;
}

export interface SqliteHandle {
  db: Db;
  sqlite: Database.Database;
  close(): void;
}

const defaultMigrations = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../drizzle');

export function openSqlite({
  path: file,
  migrationsFolder = defaultMigrations,
  busyTimeoutMs = 5000,
  migrate: runMigrations = true,
}: OpenSqliteOptions): SqliteHandle {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const orm = drizzle({ client: sqlite, schema });
  if (runMigrations) migrateWithRetry(() => migrate(orm, { migrationsFolder }));

  const db: Db = {
    driver: 'better-sqlite3',
    orm: orm as unknown as Orm,
    batch: async (items) => sqlite.transaction(() => items.map(runSqliteQuery)).immediate() as never,
    batchPrepared: async (steps) =>
      // One statement is all or nothing by itself (SQLite wraps it in its own write transaction):
      // no BEGIN IMMEDIATE round, as for every refresh rotation.
      steps.length === 1
        ? [runSqlitePrepared(steps[0]!.statement, steps[0]!.values)]
        : sqlite
            .transaction(() => steps.map(({ statement, values }) => runSqlitePrepared(statement, values)))
            .immediate(),
  };
  return { db, sqlite, close: () => sqlite.close() };
}

/**
 * drizzle's migrator opens a deferred transaction; when several processes start at once on one
 * file, the loser of the read-to-write upgrade gets SQLITE_BUSY at once (busy_timeout cannot help
 * a deadlock). It then simply tries again: the winner's migration is visible by then.
 */
function migrateWithRetry(run: () => void, attempts = 50): void {
  for (let i = 1; ; i++) {
    try {
      run();
      return;
    } catch (err) {
      const busy = /SQLITE_BUSY|database is locked/.test(String((err as { cause?: unknown }).cause ?? err));
      if (!busy || i >= attempts) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 + Math.random() * 80);
    }
  }
}
