/**
 * Node entry: configuration from the environment (once, failing fast), SQLite with migrations,
 * the mailer, the built front end, @hono/node-server on 127.0.0.1 by default, a pruning schedule,
 * and a graceful stop on SIGTERM/SIGINT.
 *
 * WEB_CONCURRENCY=N (default: one per CPU in production, 1 in development) runs N server processes
 * (node:cluster, one shared listening socket) over the one WAL database. The primary migrates,
 * creates or rotates the signing key and runs housekeeping (pruning, mail retries) once; it serves
 * nothing itself, replaces a worker that dies, and on SIGTERM drains every worker before it exits.
 * Rate limits, the reuse window and revocation need nothing more: they are rows in that database,
 * read and written with conditional statements under SQLite's single-writer lock.
 */
import cluster, { type Worker } from 'node:cluster';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Context, MiddlewareHandler } from 'hono';
import { createApp } from '../app.js';
import { isApiPath } from '../http/api-paths.js';
import { ConfigError, parseConfig, type Config } from '../lib/config.js';
import { buildDeps, type AppEnv, type Deps } from '../http/deps.js';
import { openSqlite, type SqliteHandle } from '../db/better-sqlite3.js';
import { createJsonLogger, type Logger } from '../lib/log.js';
import { installCryptoPrimitives } from '../lib/crypto.js';
import { nodeCryptoPrimitives } from './crypto-node.js';
import { pruneExpired } from '../auth/prune.js';
import { deliverDueMail } from '../mail/queue.js';
import { createSmtpMailer, type SmtpMailer } from '../mail/smtp.js';
import { deliverDueWebhooks } from '../webhooks/deliver.js';
import { createPrometheusMetrics } from '../metrics/prometheus.js';
import { clusterWorkerMetrics, serveClusterMetrics } from '../metrics/prometheus-cluster.js';
import { sqliteMigrationsCurrent } from '../db/migrations-node.js';

const PRUNE_EVERY_MS = 10 * 60_000;
/** How often mail that could not be handed over yet is retried (see mail/queue.ts). */
const MAIL_RETRY_EVERY_MS = 5_000;
/** How often due webhook events are posted (see webhooks/deliver.ts). */
const WEBHOOK_EVERY_MS = 1_000;
const webDist = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../web/dist');

const indexFile = path.join(webDist, 'index.html');
/** The front end's app shell, or null when web/dist is not built (then the server's own pages serve). */
const readIndex = () => fs.promises.readFile(indexFile, 'utf8').catch(() => null);

/** The front end with an SPA fallback: unknown page paths get index.html, API paths get JSON 404s. */
function frontEnd(): MiddlewareHandler<AppEnv> {
  const files = serveStatic<AppEnv>({ root: path.relative(process.cwd(), webDist) });
  return async (c, next) => {
    if (isApiPath(c.req.path)) return next();
    const file = await files(c, async () => {});
    if (file) return file;
    const html = await readIndex();
    if (html === null) return next();
    // Client-side routes (/account, ...) get the app shell; it never carries a token.
    c.header('Cache-Control', 'no-cache');
    return c.html(html);
  };
}

/** SMTP when SMTP_URL is set; otherwise null, the development outbox (production refuses that at parseConfig). */
function createMailer(config: Config, logger: Logger): SmtpMailer | null {
  if (!config.smtpUrl) return null;
  try {
    const tlsRequired = config.production && !config.smtpAllowPlaintext;
    if (config.production && config.smtpAllowPlaintext)
      logger.log('warn', 'SMTP_ALLOW_PLAINTEXT=true: mail may travel without TLS, and with it sign-in links and codes, readable on the way');
    return createSmtpMailer({ url: config.smtpUrl, from: config.mailFrom, logger, tlsRequired, dkim: config.dkim });
  } catch (err) {
    // Its messages name the setting (SMTP_URL or MAIL_FROM) and never repeat the password.
    throw new ConfigError((err as Error).message);
  }
}

const isLoopbackHost = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

export interface NodeServer {
  url: string;
  port: number;
  deps: Deps;
  sqlite: SqliteHandle;
  stop(): Promise<void>;
}

/** Builds deps for Node; shared by the server below and the tests (the CLI opens only the database). */
export function createNodeDeps({
  config,
  logger = createJsonLogger(),
  clock = Date.now,
  sqlite = openSqlite({ path: config.databasePath }),
  role = 'single',
}: {
  config: Config;
  logger?: Logger;
  clock?: () => number;
  sqlite?: SqliteHandle;
  /** In the multi-process mode a scrape merges every process's counters (metrics/prometheus-cluster.ts). */
  role?: 'single' | 'primary' | 'worker';
}): { deps: Deps; sqlite: SqliteHandle; smtp: SmtpMailer | null } {
  installCryptoPrimitives(nodeCryptoPrimitives);
  const smtp = createMailer(config, logger);
  const prometheus = createPrometheusMetrics({ db: sqlite.db });
  if (role === 'primary') serveClusterMetrics(prometheus.register);
  const deps = buildDeps({
    metrics: prometheus.metrics,
    renderMetrics: role === 'worker' ? clusterWorkerMetrics(prometheus.register) : prometheus.render,
    migrationsCurrent: () => sqliteMigrationsCurrent(sqlite.sqlite),
    config,
    db: sqlite.db,
    clock,
    logger,
    mailer: smtp,
    socketAddress: createNodeDeps.socketAddress,
  });
  return { deps, sqlite, smtp };
}

/** @hono/node-server puts the Node request in c.env.incoming. */
createNodeDeps.socketAddress = (c: Context<AppEnv>) =>
  (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress;

export async function startNodeServer({
  config,
  logger = createJsonLogger(),
  clock = Date.now,
  worker = false,
}: {
  config: Config;
  logger?: Logger;
  clock?: () => number;
  /** A worker of the multi-process mode: the primary already migrated and runs the housekeeping. */
  worker?: boolean;
}): Promise<NodeServer> {
  const { deps, sqlite, smtp } = createNodeDeps({
    config,
    logger,
    clock,
    sqlite: openSqlite({ path: config.databasePath, migrate: !worker }),
    role: worker ? 'worker' : 'single',
  });
  try {
    // Fails the start with a clear ConfigError for a wrong SIGNING_KEY_SECRET; retires unsealed keys in production.
    await deps.keys.signingKey();
  } catch (err) {
    smtp?.close();
    sqlite.close();
    throw err;
  }
  // In the multi-process mode the primary warns once for all workers.
  if (!worker) warnOutboxOnNetwork(config, smtp, logger);
  const built = fs.existsSync(indexFile);
  const app = createApp(deps, built ? { assets: frontEnd(), linkPage: readIndex } : {});

  let server: ReturnType<typeof serve>;
  try {
    server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
      // A port in use (EADDRINUSE) fails the start instead of crashing the process.
      s.once('error', reject);
    });
  } catch (err) {
    smtp?.close();
    sqlite.close();
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  const housekeeping = worker ? null : startHousekeeping(deps, logger);

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= new Promise<void>((resolve) => {
      // Stop accepting; requests in flight finish; idle keep-alive sockets close now.
      server.close(() => {
        void Promise.resolve(housekeeping?.stop()).then(() => {
          smtp?.close();
          sqlite.close();
          resolve();
        });
      });
      (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    }));
  return { url: `http://${config.host}:${port}`, port, deps, sqlite, stop };
}

/** Pruning and mail retries on timers: once per deployment (the single process, or the primary). */
function startHousekeeping(deps: Deps, logger: Logger): { stop(): Promise<void> } {
  const prune = () =>
    pruneExpired(deps)
      .then((counts) => logger.log('info', 'pruned', counts))
      .catch((err) => logger.log('error', 'prune failed', { error: String(err) }));
  void prune();
  const timer = setInterval(prune, PRUNE_EVERY_MS);
  timer.unref();

  // Mail that could not be handed over at once (or whose sender died) is retried here.
  let delivering: Promise<void> | null = null;
  const retryMail = () =>
    (delivering ??= deliverDueMail(deps)
      .then((report) => {
        if (report.sent + report.retry + report.failed + report.expired > 0) logger.log('info', 'mail retried', { ...report });
      })
      .catch((err) => logger.log('error', 'mail retry failed', { error: String(err) }))
      .finally(() => (delivering = null)));
  void retryMail();
  const mailTimer = setInterval(retryMail, MAIL_RETRY_EVERY_MS);
  mailTimer.unref();

  // Webhook events committed by any request (or left by a process that died) are posted here.
  let posting: Promise<void> | null = null;
  const postWebhooks = () =>
    (posting ??= deliverDueWebhooks(deps)
      .then((report) => {
        if (report.delivered + report.retry + report.dead > 0) logger.log('info', 'webhooks posted', { ...report });
      })
      .catch((err) => logger.log('error', 'webhook delivery failed', { error: String(err) }))
      .finally(() => (posting = null)));
  const webhookTimer = deps.config.webhookUrl ? setInterval(postWebhooks, WEBHOOK_EVERY_MS) : undefined;
  webhookTimer?.unref();

  return {
    async stop() {
      clearInterval(timer);
      clearInterval(mailTimer);
      clearInterval(webhookTimer);
      // A webhook post in flight is not waited for: its row's lease runs out and it is sent again.
      await delivering;
    },
  };
}

/**
 * Log lines are gathered and written once per event-loop turn: stdout to a pipe is a synchronous
 * write on Linux, one per request otherwise. Whatever is pending is written on exit.
 */
function bufferedStdout(): (line: string) => void {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    // Several processes share stdout in the multi-process mode: a write of at most PIPE_BUF (4 KiB)
    // bytes to a pipe is atomic, so lines are written in whole-line chunks of that size.
    let chunk = '';
    for (const line of pending) {
      if (chunk.length > 0 && Buffer.byteLength(chunk) + Buffer.byteLength(line) + 1 > 4096) {
        process.stdout.write(chunk);
        chunk = '';
      }
      chunk += `${line}\n`;
    }
    pending = [];
    process.stdout.write(chunk);
  };
  process.on('exit', flush);
  return (line) => {
    if (pending.length === 0) setImmediate(flush);
    pending.push(line);
  };
}

/** Exits with a readable message for configuration and port errors; anything else is thrown on. */
function failStart(err: unknown, config: Config | null): never {
  if (err instanceof ConfigError) {
    console.error(`Configuration error: ${err.message}`);
    process.exit(1);
  }
  if (config && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`Cannot listen on ${config.host}:${config.port}: the port is in use (set PORT)`);
    process.exit(1);
  }
  throw err;
}

function warnOutboxOnNetwork(config: Config, smtp: SmtpMailer | null, logger: Logger): void {
  if (!smtp && !isLoopbackHost(config.host))
    logger.log('warn', `HOST=${config.host} serves the development outbox (sign-in links) to the network; set SMTP_URL or HOST=127.0.0.1`);
}

/** Every log line of a process in the multi-process mode says which process wrote it. */
function withPid(logger: Logger, role: 'primary' | 'worker'): Logger {
  const fields = { pid: process.pid, role };
  return { log: (level, msg, extra = {}) => logger.log(level, msg, { ...fields, ...extra }) };
}

const STOP_TIMEOUT_MS = 10_000;

async function main() {
  let logger = createJsonLogger(bufferedStdout());
  let config: Config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    failStart(err, null);
  }
  const processes = config.webConcurrency ?? (config.production ? os.availableParallelism() : 1);
  if (cluster.isPrimary && processes > 1) return runPrimary(config, withPid(logger, 'primary'), processes);
  const worker = cluster.isWorker;
  if (worker) logger = withPid(logger, 'worker');

  let server: NodeServer;
  try {
    server = await startNodeServer({ config, logger, worker });
  } catch (err) {
    failStart(err, config);
  }
  logger.log('info', 'listening', { url: server.url, publicUrl: config.publicUrl, database: config.databasePath });
  if (!worker) console.log(`Sesame is serving ${config.publicUrl} (listening on ${server.url})`);
  const stop = (reason: string) => {
    logger.log('info', 'stopping', { signal: reason });
    void server.stop().then(() => process.exit(0));
    setTimeout(() => process.exit(1), STOP_TIMEOUT_MS).unref();
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop(signal));
  // A worker whose primary is gone (killed hard) must not keep serving on its own.
  if (worker) process.once('disconnect', () => stop('primary-gone'));
}

/**
 * The primary of the multi-process mode: migrations, the signing key and the development MAC key
 * once, the housekeeping timers, N workers kept at N, and a stop that drains them all.
 */
async function runPrimary(config: Config, logger: Logger, processes: number) {
  let prepared: ReturnType<typeof createNodeDeps>;
  try {
    prepared = createNodeDeps({ config, logger, role: 'primary' });
    await prepared.deps.keys.signingKey();
    // Development keys kept in server_secrets are created here once, before any worker races for them.
    await prepared.deps.secrets.refreshTokenKey();
    await prepared.deps.secrets.emailTokenKey();
  } catch (err) {
    failStart(err, config);
  }
  const { deps, sqlite, smtp } = prepared;
  warnOutboxOnNetwork(config, smtp, logger);
  const housekeeping = startHousekeeping(deps, logger);

  let stopping = false;
  const deaths: number[] = [];
  let listening = 0;
  const fork = () => cluster.fork();
  cluster.on('listening', (w: Worker, address) => {
    if (++listening === processes) {
      logger.log('info', 'listening', { url: `http://${config.host}:${address.port}`, processes, publicUrl: config.publicUrl, database: config.databasePath });
      console.log(`Sesame is serving ${config.publicUrl} (listening on http://${config.host}:${address.port}, ${processes} processes)`);
    }
    logger.log('info', 'worker listening', { worker: w.process.pid });
  });
  cluster.on('exit', (w: Worker, code, signal) => {
    if (stopping) return;
    const now = Date.now();
    deaths.push(now);
    while (deaths.length > 0 && deaths[0]! < now - 60_000) deaths.shift();
    logger.log('error', 'worker died; starting a replacement', { worker: w.process.pid, code, signal });
    // A crash loop (a worker that cannot start) would fork forever: give up instead.
    if (deaths.length > 5 * processes) {
      logger.log('error', 'workers keep dying; stopping', { deathsInLastMinute: deaths.length });
      process.exitCode = 1;
      stop('crash-loop');
      return;
    }
    fork();
  });

  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.log('info', 'stopping', { signal: reason, workers: Object.keys(cluster.workers ?? {}).length });
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
    // Each worker stops accepting, finishes its requests in flight and closes its database handle.
    const drained = alive.map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))));
    for (const w of alive) w.process.kill('SIGTERM');
    setTimeout(() => {
      logger.log('error', 'workers did not stop in time', {});
      for (const w of alive) w.process.kill('SIGKILL');
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    void Promise.all(drained)
      .then(() => housekeeping.stop())
      .then(() => {
        smtp?.close();
        sqlite.close();
        process.exit(process.exitCode ?? 0);
      });
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop(signal));
  for (let i = 0; i < processes; i++) fork();
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  void main();
}
