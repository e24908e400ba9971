import { serve } from '@hono/node-server';
import type { Context } from 'hono';
import { createApp } from '../app.js';
import { ConfigError, type Config } from '../lib/config.js';
import { buildDeps, type AppEnv, type Deps } from '../http/deps.js';
import { openSqlite, type SqliteHandle } from '../db/better-sqlite3.js';
import { createJsonLogger, type Logger } from '../lib/log.js';
import { nodeCryptoPrimitives } from './crypto-node.js';
import { createSmtpMailer, type SmtpMailer } from '../mail/smtp.js';
import { createPrometheusMetrics } from '../metrics/prometheus.js';
import { clusterWorkerMetrics, serveClusterMetrics } from '../metrics/prometheus-cluster.js';
import { sqliteMigrationsCurrent } from '../db/migrations-node.js';
import { frontEnd, readIndex, webBuilt } from './web-assets.js';
import { startHousekeeping } from './housekeeping.js';

/** SMTP when SMTP_URL is set; otherwise null, the development outbox (production refuses that at parseConfig). */
function createMailer(config: Config, logger: Logger): SmtpMailer | null {
  if (!config.smtpUrl) return null;
  try {
    const tlsRequired = config.production && !config.smtpAllowPlaintext;
    if (config.production && config.smtpAllowPlaintext)
      logger.log(
        'warn',
        'SMTP_ALLOW_PLAINTEXT=true: mail may travel without TLS, and with it sign-in links and codes, readable on the way',
      );
    return createSmtpMailer({ url: config.smtpUrl, from: config.mailFrom, logger, tlsRequired, dkim: config.dkim });
  } catch (err) {
    // Its messages name the setting (SMTP_URL or MAIL_FROM) and never repeat the password.
    throw new ConfigError((err as Error).message);
  }
}

const isLoopbackHost = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

export function warnOutboxOnNetwork(config: Config, smtp: SmtpMailer | null, logger: Logger): void {
  if (!smtp && !isLoopbackHost(config.host))
    logger.log(
      'warn',
      `HOST=${config.host} serves the development outbox (sign-in links) to the network; set SMTP_URL or HOST=127.0.0.1`,
    );
}

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
  const smtp = createMailer(config, logger);
  const prometheus = createPrometheusMetrics({ db: sqlite.db, clock });
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
    crypto: nodeCryptoPrimitives,
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
  const built = webBuilt();
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
