/**
 * A fresh real SQLite file and a real D1 (workerd via miniflare) for one test file, opened before
 * its tests and removed after: `describe.each(bothDrivers())('… on %s', (_name, dbOf) => …)`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openSqlite, type SqliteHandle } from '../../src/db/better-sqlite3.js';
import type { Db } from '../../src/db/db.js';
import { openTestD1, type D1Handle } from './d1.js';

export function bothDrivers(): (readonly [name: 'better-sqlite3' | 'd1', dbOf: () => Db])[] {
  let sqlite: SqliteHandle | undefined;
  let d1: D1Handle | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-drivers-'));
    sqlite = openSqlite({ path: path.join(dir, 'sesame.db') });
    d1 = await openTestD1();
  });
  afterAll(async () => {
    sqlite?.close();
    await d1?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return [
    ['better-sqlite3', () => sqlite!.db],
    ['d1', () => d1!.db],
  ];
}
