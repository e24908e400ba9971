/**
 * Prepared statements for the hot paths, built once per Db (per process or isolate) and reused:
 * drizzle otherwise rebuilds the SQL text and SQLite re-prepares it on every call.
 */
import type { Db, Orm } from './db.js';

const caches = new WeakMap<Db, Map<string, unknown>>();

export function prepared<T>(db: Db, key: string, build: (orm: Orm) => T): T {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  let statement = cache.get(key) as T | undefined;
  if (statement === undefined) cache.set(key, (statement = build(db.orm)));
  return statement;
}
