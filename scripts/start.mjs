#!/usr/bin/env node
// npm start. NODE_ENV=production runs the compiled server (`npm run build` first), plain node,
// no TypeScript at run time: the same as `node dist/entry/node.js`. Otherwise the sources
// through tsx, building the front end first when it is missing.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
let args;
if (process.env.NODE_ENV === 'production') {
  const entry = path.join(root, 'dist/entry/node.js');
  if (!fs.existsSync(entry) || !fs.existsSync(path.join(root, 'web/dist/index.html'))) {
    console.error('No production build: run `npm run build` first (it writes dist/ and web/dist/).');
    process.exit(1);
  }
  args = [entry];
} else {
  const web = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts'],
    { cwd: root, stdio: 'inherit' },
  );
  if (web.status !== 0) process.exit(web.status ?? 1);
  args = [path.join(root, 'node_modules/tsx/dist/cli.mjs'), path.join(root, 'src/entry/node.ts')];
}
const child = spawn(process.execPath, args, { stdio: 'inherit' });
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
