/**
 * npm run db:restore -- FILE [--force]
 *
 * Puts a backup made by `npm run db:backup` at DATABASE_PATH. Stop the server first: a running
 * server keeps the old file open. The backup is integrity-checked before anything is touched; an
 * existing database (and its -wal and -shm files, which belong to it and would corrupt the
 * restored one) is replaced only with --force. Migrations newer than the backup apply at the next start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { parseConfig } from '../../lib/config.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { force: { type: 'boolean' } } });
const [file] = positionals;
if (!file || positionals.length !== 1) {
  console.error('Usage: npm run db:restore -- FILE [--force]   (stop the server first)');
  process.exit(2);
}
const config = parseConfig(process.env);
const target = config.databasePath;
if (target === ':memory:') {
  console.error('DATABASE_PATH is :memory:; nothing to restore into');
  process.exit(2);
}
const backup = new Database(file, { fileMustExist: true, readonly: true });
const check = backup.pragma('integrity_check', { simple: true });
if (check !== 'ok') {
  backup.close();
  console.error(`${file} failed its integrity check (${String(check)}); nothing was changed`);
  process.exit(1);
}
if (fs.existsSync(target)) {
  if (!values.force) {
    backup.close();
    console.error(`${target} exists; stop the server and run again with --force to replace it`);
    process.exit(2);
  }
  for (const f of [target, `${target}-wal`, `${target}-shm`]) fs.rmSync(f, { force: true });
}
fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
await backup.backup(target, { progress: () => 0x7fffffff });
backup.close();
console.log(`Restored ${file} to ${target}. Start the server; it applies any newer migrations.`);
