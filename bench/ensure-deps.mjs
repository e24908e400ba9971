#!/usr/bin/env node
/**
 * bench/ is its own npm package (autocannon, better-auth and its own better-sqlite3 cannot join the
 * root's dependency tree). Before `npm run bench` / `npm run bench:smoke`, install it when it is
 * missing (a fresh clone) and make sure its better-sqlite3 native module loads.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const bench = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(bench);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const required = ['autocannon', 'better-auth', 'better-sqlite3'];

const installed = () => required.every((p) => fs.existsSync(path.join(bench, 'node_modules', p, 'package.json')));
const sqliteLoads = () =>
  spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"], {
    cwd: bench,
    stdio: 'ignore',
  }).status === 0;

function run(args) {
  console.log(`[bench] npm ${args.join(' ')}`);
  execFileSync(npm, args, { cwd: root, stdio: 'inherit' });
}

if (!installed()) {
  const flags = ['--prefix', 'bench', '--legacy-peer-deps', '--no-audit', '--no-fund'];
  // The lock file pins what the figures were measured with; `npm install` only if there is none.
  run(fs.existsSync(path.join(bench, 'package-lock.json')) ? ['ci', ...flags] : ['install', ...flags]);
}
if (!sqliteLoads()) run(['rebuild', 'better-sqlite3', '--prefix', 'bench']);
if (!installed() || !sqliteLoads()) {
  console.error('[bench] bench/ dependencies are not usable; see the npm output above.');
  process.exit(1);
}
