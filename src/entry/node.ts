/**
 * Node entry: configuration from the environment (once, failing fast), SQLite with migrations,
 * the mailer, the built front end, @hono/node-server on 127.0.0.1 by default, a pruning schedule,
 * and a graceful stop on SIGTERM/SIGINT.
 */
import fs from 'node:fs';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Context, MiddlewareHandler } from 'hono';
import { createApp } from '../app.js';
import { isApiPath } from '../http/api-paths.js';
import { ConfigError, parseConfig, type Config } from '../config.js';
import { buildDeps, type AppEnv, type Deps } from '../deps.js';
import { openSqlite, type SqliteHandle } from '../db/better-sqlite3.js';
import { createJsonLogger, type Logger } from '../log.js';
import { installCryptoPrimitives } from '../auth/crypto.js';
import { nodeCryptoPrimitives } from '../auth/crypto-node.js';
import { pruneExpired } from '../auth/prune.js';
import { deliverDueMail } from '../mail/queue.js';
import { createSmtpMailer, type SmtpMailer } from '../mail/smtp.js';

const PRUNE_EVERY_MS = 10 * 60_000;
/** How often mail that could not be handed over yet is retried (see mail/queue.ts). */
const MAIL_RETRY_EVERY_MS = 5_000;
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
    return createSmtpMailer({ url: config.smtpUrl, from: config.mailFrom, logger, tlsRequired });
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
}: {
  config: Config;
  logger?: Logger;
  clock?: () => number;
  sqlite?: SqliteHandle;
}): { deps: Deps; sqlite: SqliteHandle; smtp: SmtpMailer | null } {
  installCryptoPrimitives(nodeCryptoPrimitives);
  const smtp = createMailer(config, logger);
  const deps = buildDeps({
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
}: {
  config: Config;
  logger?: Logger;
  clock?: () => number;
}): Promise<NodeServer> {
  const { deps, sqlite, smtp } = createNodeDeps({ config, logger, clock });
  try {
    // Fails the start with a clear ConfigError for a wrong SIGNING_KEY_SECRET; retires unsealed keys in production.
    await deps.keys.signingKey();
  } catch (err) {
    smtp?.close();
    sqlite.close();
    throw err;
  }
  if (!smtp && !isLoopbackHost(config.host))
    logger.log('warn', `HOST=${config.host} serves the development outbox (sign-in links) to the network; set SMTP_URL or HOST=127.0.0.1`);
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

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= new Promise<void>((resolve) => {
      clearInterval(timer);
      clearInterval(mailTimer);
      // Stop accepting; requests in flight finish; idle keep-alive sockets close now.
      server.close(() => {
        void Promise.resolve(delivering).then(() => {
          smtp?.close();
          sqlite.close();
          resolve();
        });
      });
      (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    }));
  return { url: `http://${config.host}:${port}`, port, deps, sqlite, stop };
}

/**
 * Log lines are gathered and written once per event-loop turn: stdout to a pipe is a synchronous
 * write on Linux, one per request otherwise. Whatever is pending is written on exit.
 */
function bufferedStdout(): (line: string) => void {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const out = `${pending.join('\n')}\n`;
    pending = [];
    process.stdout.write(out);
  };
  process.on('exit', flush);
  return (line) => {
    if (pending.length === 0) setImmediate(flush);
    pending.push(line);
  };
}

async function main() {
  const logger = createJsonLogger(bufferedStdout());
  let config: Config;
  try {
    config = parseConfig(process.env, 'node');
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  let server: NodeServer;
  try {
    server = await startNodeServer({ config, logger });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(1);
    }
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`Cannot listen on ${config.host}:${config.port}: the port is in use (set PORT)`);
      process.exit(1);
    }
    throw err;
  }
  logger.log('info', 'listening', { url: server.url, publicUrl: config.publicUrl, database: config.databasePath });
  console.log(`Sesame is serving ${config.publicUrl} (listening on ${server.url})`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.log('info', 'stopping', { signal });
      void server.stop().then(() => process.exit(0));
      setTimeout(() => process.exit(1), 10_000).unref();
    });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  void main();
}
