/**
 * The Metrics interface on prom-client, with gauges read from the database at scrape time (so
 * queue depths are the same whichever instance is scraped). Node only: imported by entry/node.ts.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/db.js';
import type { Metrics, MetricsExposition } from './metrics.js';

export function createPrometheusMetrics({ db }: { db: Db }): { metrics: Metrics; render: () => Promise<MetricsExposition>; register: Registry } {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'sesame_' });
  const signIns = new Counter({ name: 'sesame_sign_ins_total', help: 'Sign-in attempts by method and result (success or the error code)', labelNames: ['method', 'result'], registers: [register] });
  const refreshes = new Counter({
    name: 'sesame_refreshes_total',
    help: 'Refresh-token exchanges: rotated, reuse_window (a racing replay answered), reuse_revoked (late replay, session revoked), refused',
    labelNames: ['result'],
    registers: [register],
  });
  const limited = new Counter({ name: 'sesame_rate_limited_total', help: 'Requests refused by a rate limit, by route', labelNames: ['route'], registers: [register] });
  const mail = new Counter({ name: 'sesame_mail_total', help: 'Mail queued, sent, retried and given up (failed)', labelNames: ['event'], registers: [register] });
  const webhooks = new Counter({ name: 'sesame_webhooks_total', help: 'Webhook tries: sent, retry, dead', labelNames: ['event'], registers: [register] });
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
        const rows = (await db.orm.all(sql`SELECT status, count(*) AS n FROM ${sql.identifier(table)} GROUP BY status`)) as { status: string; n: number }[];
        this.reset();
        for (const { status, n } of rows) this.set({ state: status }, Number(n));
      },
    });
  queueGauge('sesame_mail_queue', 'Messages in the mail queue by state (pending, sending, sent, failed, outbox)', 'mail_queue');
  queueGauge('sesame_webhook_queue', 'Events in the webhook outbox by state (pending, sending, delivered, dead)', 'webhook_events');

  return {
    metrics: {
      signIn: (method, result) => signIns.inc({ method, result }),
      refresh: (result) => refreshes.inc({ result }),
      rateLimited: (route) => limited.inc({ route }),
      mail: (event) => mail.inc({ event }),
      webhook: (event) => webhooks.inc({ event }),
      request: (route, method, status, seconds) => latency.observe({ route, method, status: String(status) }, seconds),
    },
    render: async () => ({ contentType: register.contentType, body: await register.metrics() }),
    register,
  };
}
