/**
 * Everything a handler may touch, passed in by the runtime entry (Node or Workers). The domain
 * never reaches for a module-level database, mailer or clock.
 */
import type { Context } from 'hono';
import type { Config } from '../lib/config.js';
import type { Db } from '../db/db.js';
import type { Logger } from '../lib/log.js';
import { KeyStore } from '../auth/sessions/signing-keys.js';
import { ServerSecrets } from '../auth/server-secrets.js';
import type { Authenticated } from '../auth/sessions/presence.js';
import type { AdminKey } from '../admin/admin-keys.js';
import type { Mailer } from '../mail/mailer.js';
import type { Locale } from '../i18n/locales.js';
import { noopMetrics, type Metrics, type MetricsExposition } from '../metrics/metrics.js';
import { webCryptoPrimitives, type CryptoPrimitives } from '../lib/crypto.js';

export interface Deps {
  config: Config;
  db: Db;
  /** Milliseconds since the epoch; tests move it instead of sleeping. */
  clock: () => number;
  keys: KeyStore;
  /** Keys the server hashes its own secrets with (emailed link tokens and codes). */
  secrets: ServerSecrets;
  /** Hashing and sealing on the hot paths: WebCrypto, or the entry's faster equivalent (same outputs). */
  crypto: CryptoPrimitives;
  logger: Logger;
  /** The transport that hands mail over; null = the development outbox (kept, logged, never sent). */
  mailer: Mailer | null;
  /** The peer address of the connection, as the runtime sees it. */
  socketAddress: (c: Context<AppEnv>) => string | undefined;
  /** Keeps background work (mail delivery) alive after the response: Workers' waitUntil; Node: run. */
  defer: (work: Promise<unknown>) => void;
  /** Counters and histograms (src/metrics); noopMetrics where nothing scrapes them. */
  metrics: Metrics;
  /** GET /metrics: the exposition, or null where the runtime has no registry (then 404). */
  renderMetrics: (() => Promise<MetricsExposition>) | null;
  /** Whether the database has every migration this code ships (for /healthz); a reason when not. */
  migrationsCurrent: () => Promise<true | string>;
}

export interface AppEnv {
  Bindings: Record<string, unknown>;
  Variables: {
    deps: Deps;
    /** Set by requireAuth and optionalAuth; read it with authenticated(c) behind requireAuth. */
    auth?: Authenticated;
    adminKey: AdminKey;
    /** Set by sessionResponse when a refresh was answered from the reuse window (for metrics). */
    refreshReplayed: boolean;
    clientAddress: string | undefined;
    requestId: string;
    /** Set by http/locale.ts for every request. */
    language: Locale;
  };
}

/** The runtime-neutral part of building Deps; each entry adds its database, mailer and address source. */
export function buildDeps({
  config,
  db,
  logger,
  clock = Date.now,
  mailer = null,
  socketAddress,
  defer,
  metrics = noopMetrics,
  renderMetrics = null,
  migrationsCurrent = async () => true,
  crypto = webCryptoPrimitives,
}: Omit<
  Deps,
  'keys' | 'secrets' | 'clock' | 'mailer' | 'defer' | 'metrics' | 'renderMetrics' | 'migrationsCurrent' | 'crypto'
> & {
  clock?: () => number;
  mailer?: Mailer | null;
  defer?: Deps['defer'];
  metrics?: Metrics;
  renderMetrics?: Deps['renderMetrics'];
  migrationsCurrent?: Deps['migrationsCurrent'];
  crypto?: CryptoPrimitives;
}): Deps {
  return {
    config,
    db,
    clock,
    logger,
    mailer,
    socketAddress,
    keys: new KeyStore({ db, config, clock, logger }),
    secrets: new ServerSecrets({ db, config, clock }),
    metrics,
    renderMetrics,
    migrationsCurrent,
    crypto,
    defer:
      defer ??
      ((work) => {
        work.catch((err) => logger.log('error', 'background task failed', { error: String(err) }));
      }),
  };
}
