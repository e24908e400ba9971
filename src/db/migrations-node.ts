/**
 * For /healthz on Node: whether the SQLite file has the newest migration of drizzle/ (drizzle's
 * migrator records each applied migration's journal timestamp in __drizzle_migrations.created_at).
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';

const journalFile = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../drizzle/meta/_journal.json');

export async function sqliteMigrationsCurrent(sqlite: Database.Database, file = journalFile): Promise<true | string> {
  const journal = JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: { tag: string; when: number }[] };
  const newest = journal.entries.at(-1);
  if (!newest) return true;
  const row = sqlite.prepare('SELECT max(created_at) AS at FROM __drizzle_migrations').get() as
    | { at: number | null }
    | undefined;
  if (Number(row?.at) >= newest.when) return true;
  return `migrations not current: ${newest.tag} is not applied`;
}
