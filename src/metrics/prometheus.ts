/**
 * The Metrics interface on prom-client, with gauges read from the database at scrape time (so
 * queue depths are the same whichever instance is scraped). Node only: imported by entry/node.ts.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { and, count, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/db.js';
import { sessions } from '../db/schema.js';
import type { Metrics, MetricsExposition } from './metrics.js';

export function createPrometheusMetrics({ db, clock }: { db: Db; clock: () => number }): {
  metrics: Metrics;
  render: () => Promise<MetricsExposition>;
  register: Registry;
} {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'sesame_' });
  const signIns = new Counter({
    name: 'sesame_sign_ins_total',
    help: 'Sign-in attempts by method and result (success or the error code)',
    labelNames: ['method', 'result'],
    registers: [register],
  });
  const refreshes = new Counter({
    name: 'sesame_refreshes_total',
    help: 'Refresh-token exchanges: rotated, reuse_window (a racing replay answered), reuse_revoked (late replay, session revoked), refused',
    labelNames: ['result'],
    registers: [register],
  });
  const limited = new Counter({
    name: 'sesame_rate_limited_total',
    help: 'Requests refused by a rate limit, by route',
    labelNames: ['route'],
    registers: [register],
  });
  const mail = new Counter({
    name: 'sesame_mail_total',
    help: 'Mail queued, sent, retried and given up (failed)',
    labelNames: ['event'],
    registers: [register],
  });
  const webhooks = new Counter({
    name: 'sesame_webhooks_total',
    help: 'Webhook tries: sent, retry, dead',
    labelNames: ['event'],
    registers: [register],
  });
  const dbscOffers = new Counter({
    name: 'sesame_dbsc_offers_total',
    help: 'DBSC registration offers (one challenge row each; at most one per session)',
    registers: [register],
  });
  const dbscBindings = new Counter({
    name: 'sesame_dbsc_bindings_total',
    help: 'Sessions bound to a device key (DBSC registrations that took effect)',
    registers: [register],
  });
  const dbscRefreshes = new Counter({
    name: 'sesame_dbsc_refreshes_total',
    help: 'DBSC refresh endpoint: challenged (403 with a challenge), renewed (a proof of the bound key got the next cookie)',
    labelNames: ['result'],
    registers: [register],
  });
  const dbscFailures = new Counter({
    name: 'sesame_dbsc_proof_failures_total',
    help: 'Refused device proofs and bound cookies past DBSC_COOKIE_TTL, by step and reason (as in the session.dbsc_proof_failed audit event)',
    labelNames: ['step', 'reason'],
    registers: [register],
  });
  new Gauge({
    name: 'sesame_dbsc_bound_sessions',
    help: 'Live sessions bound to a device key, read from the database at scrape time',
    registers: [register],
    // The same rows whichever process reads them: merged across processes, taken once, not summed.
    aggregator: 'first',
    async collect() {
      // Counted on the partial index sessions_bound_idx (bound, not revoked): no scan of all sessions.
      // The idle expiry never passes the absolute one, so it alone tells a live session.
      const [row] = await db.orm
        .select({ n: count() })
        .from(sessions)
        .where(and(isNotNull(sessions.dbscKey), isNull(sessions.revokedAt), gt(sessions.idleExpiresAt, clock())));
      this.set(Number(row?.n ?? 0));
    },
  });
  const latency = new Histogram({
    name: 'sesame_http_request_duration_seconds',
    help: 'Request latency by route pattern, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [register],
  });
  const queueGauge = (name: string, help: string, table: 'mail_queue' | 'webhook_events') =>
    new Gauge({
      name,
      help,
      labelNames: ['state'],
      registers: [register],
      // The same rows whichever process reads them: merged across processes, taken once, not summed.
      aggregator: 'first',
      async collect() {
        const rows = (await db.orm.all(
          sql`SELECT status, count(*) AS n FROM ${sql.identifier(table)} GROUP BY status`,
        )) as { status: string; n: number }[];
        this.reset();
        for (const { status, n } of rows) this.set({ state: status }, Number(n));
      },
    });
  queueGauge(
    'sesame_mail_queue',
    'Messages in the mail queue by state (pending, sending, sent, failed, outbox)',
    'mail_queue',
  );
  queueGauge(
    'sesame_webhook_queue',
    'Events in the webhook outbox by state (pending, sending, delivered, dead)',
    'webhook_events',
  );

  return {
    metrics: {
      signIn: (method, result) => signIns.inc({ method, result }),
      refresh: (result) => refreshes.inc({ result }),
      rateLimited: (route) => limited.inc({ route }),
      mail: (event) => mail.inc({ event }),
      webhook: (event) => webhooks.inc({ event }),
      dbsc: (event) => {
        if (event === 'offered') dbscOffers.inc();
        else if (event === 'bound') dbscBindings.inc();
        else dbscRefreshes.inc({ result: event });
      },
      dbscProofFailure: (step, reason) => dbscFailures.inc({ step, reason }),
      request: (route, method, status, seconds) => latency.observe({ route, method, status: String(status) }, seconds),
    },
    render: async () => ({ contentType: register.contentType, body: await register.metrics() }),
    register,
  };
}
