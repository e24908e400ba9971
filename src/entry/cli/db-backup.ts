/**
 * npm run db:backup -- FILE
 *
 * A consistent copy of the SQLite file at DATABASE_PATH while the server keeps serving: SQLite's
 * online backup API (better-sqlite3's db.backup), copying every page in one step, which holds one
 * read transaction; in WAL mode that never blocks the server's writers. The copy is then checked
 * with PRAGMA integrity_check. Refuses to overwrite an existing FILE.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { parseConfig } from '../../lib/config.js';

const [file, ...rest] = process.argv.slice(2);
if (!file || rest.length > 0) {
  console.error('Usage: npm run db:backup -- FILE');
  process.exit(2);
}
const config = parseConfig(process.env);
if (config.databasePath === ':memory:' || !fs.existsSync(config.databasePath)) {
  console.error(`No database file at DATABASE_PATH (${config.databasePath})`);
  process.exit(2);
}
if (fs.existsSync(file)) {
  console.error(`${file} exists already; pick a new file name`);
  process.exit(2);
}

const source = new Database(config.databasePath, { fileMustExist: true });
source.pragma('busy_timeout = 5000');
const started = Date.now();
try {
  // After the first step, the rest in one step: one read snapshot, which a write cannot restart midway.
  await source.backup(file, { progress: () => 0x7fffffff });
} finally {
  source.close();
}
const copy = new Database(file, { fileMustExist: true });
const check = copy.pragma('integrity_check', { simple: true });
const tables = copy.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
copy.close();
if (check !== 'ok') {
  console.error(`The copy failed its integrity check: ${String(check)}`);
  process.exit(1);
}
console.log(
  `Backed up ${config.databasePath} to ${file} (${fs.statSync(file).size} bytes, ${tables.n} tables, ${Date.now() - started} ms, integrity ok).`,
);
