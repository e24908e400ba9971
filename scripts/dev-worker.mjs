#!/usr/bin/env node
// npm run dev:worker [-- --state DIR]: the Worker on the real Workers runtime, offline, in
// wrangler.toml's `dev` environment, with a local D1 (migrations applied first) kept in DIR
// (default .wrangler/state; a new directory starts from an empty database), on $PORT (default
// 8787), honouring PUBLIC_URL, mail in the outbox.
// GET /__scheduled runs the cron trigger by hand (wrangler's --test-scheduled).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const wrangler = path.join(root, 'node_modules/wrangler/bin/wrangler.js');
const port = process.env.PORT || '8787';
/** `--state DIR` or `--state=DIR`; WRANGLER_PERSIST_TO is still read for older scripts. */
function stateArg(args) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--state') {
      if (!args[i + 1]) throw new Error('--state needs a directory');
      return args[i + 1];
    }
    if (args[i].startsWith('--state=')) return args[i].slice('--state='.length);
  }
  return undefined;
}
const persist = path.resolve(
  stateArg(process.argv.slice(2)) || process.env.WRANGLER_PERSIST_TO || path.join(root, '.wrangler/state'),
);
fs.mkdirSync(persist, { recursive: true });
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
};

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = s.address();
      s.close(() => resolve(p));
    });
  });

if (!fs.existsSync(path.join(root, 'web/dist/index.html'))) {
  const built = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts'],
    { cwd: root, stdio: 'inherit', env },
  );
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const migrate = spawnSync(
  process.execPath,
  [wrangler, 'd1', 'migrations', 'apply', 'DB', '--local', '--env', 'dev', '--persist-to', persist],
  { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env },
);
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const vars = [
  'ENVIRONMENT',
  'PUBLIC_URL',
  'RP_ID',
  'ACCESS_TOKEN_TTL',
  'RATE_LIMIT_PER_MINUTE',
  'RATE_LIMIT_EMAILS_PER_HOUR',
  'REFRESH_REUSE_WINDOW',
  'MAGIC_LINK_TTL',
  'SIGNING_KEY_SECRET',
  'DBSC_COOKIE_TTL',
  'ADMIN_BOOTSTRAP_SECRET',
  'WEBHOOK_URL',
  'WEBHOOK_SECRET',
]
  .filter((name) => process.env[name])
  .flatMap((name) => ['--var', `${name}:${process.env[name]}`]);
if (!process.env.PUBLIC_URL) vars.push('--var', `PUBLIC_URL:http://localhost:${port}`);

const inspector = process.env.INSPECTOR_PORT || String(await freePort());
const child = spawn(
  process.execPath,
  [
    wrangler,
    'dev',
    '--local',
    '--env',
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    port,
    '--inspector-port',
    inspector,
    '--persist-to',
    persist,
    '--show-interactive-dev-session=false',
    '--test-scheduled',
    ...vars,
  ],
  { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
