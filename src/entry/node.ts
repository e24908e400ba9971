/**
 * Node entry, the process: configuration from the environment (once, failing fast), the server
 * (node-server.ts: SQLite with migrations, the mailer, the built front end, @hono/node-server on
 * 127.0.0.1 by default, housekeeping.ts's timers), and a graceful stop on SIGTERM/SIGINT.
 *
 * WEB_CONCURRENCY=N (default: one per CPU in production, 1 in development) runs N server processes
 * (node:cluster, one shared listening socket) over the one WAL database. The primary migrates,
 * creates or rotates the signing key and runs housekeeping (pruning, mail retries) once; it serves
 * nothing itself, replaces a worker that dies, and on SIGTERM drains every worker before it exits.
 * Rate limits, the reuse window and revocation need nothing more: they are rows in that database,
 * read and written with conditional statements under SQLite's single-writer lock.
 */
import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseConfig, type Config } from '../lib/config.js';
import { createJsonLogger, type Logger } from '../lib/log.js';
import { startHousekeeping } from './housekeeping.js';
import { createNodeDeps, startNodeServer, warnOutboxOnNetwork, type NodeServer } from './node-server.js';

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
      logger.log('info', 'listening', {
        url: `http://${config.host}:${address.port}`,
        processes,
        publicUrl: config.publicUrl,
        database: config.databasePath,
      });
      console.log(
        `Sesame is serving ${config.publicUrl} (listening on http://${config.host}:${address.port}, ${processes} processes)`,
      );
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
    const drained = alive.map(
      (w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))),
    );
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
