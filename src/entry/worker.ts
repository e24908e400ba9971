/**
 * Workers entry: the same createApp over D1, with a Workers mail transport. Nothing Node-only is
 * reachable from here (a test bundles this file and scans what it pulls in).
 *
 * Deps are built once per isolate (signing keys are then cached per isolate and reloaded when they
 * rotate); challenges, link tokens and rate-limit counters live in D1, never in isolate memory.
 */
import { createApp, type App } from '../app.js';
import type { Context, MiddlewareHandler } from 'hono';
import { isApiPath } from '../http/api-paths.js';
import { applySecurityHeaders } from '../http/security.js';
import { ConfigError, parseConfig, type Config, type Platform } from '../lib/config.js';
import { buildDeps, type AppEnv, type Deps } from '../http/deps.js';
import { createD1Db, type D1Binding } from '../db/d1.js';
import { createJsonLogger } from '../lib/log.js';
import { pruneExpired, sessionWalkDue } from '../auth/prune.js';
import { syncWebhookOutbox } from '../webhooks/outbox-switch.js';
import { deliverDueMail } from '../mail/queue.js';
import { deliverDueWebhooks } from '../webhooks/deliver.js';
import { createCloudflareEmailMailer, type SendEmailBinding } from '../mail/cloudflare-email.js';
import { createHttpApiMailer } from '../mail/http-api.js';
import type { Mailer } from '../mail/mailer.js';
import journal from '../../drizzle/meta/_journal.json' with { type: 'json' };

/** wrangler records applied migrations by file name in d1_migrations. */
async function d1MigrationsCurrent(binding: D1Binding): Promise<true | string> {
  const newest = journal.entries.at(-1);
  if (!newest) return true;
  const d1 = binding as unknown as { prepare(q: string): { bind(...v: unknown[]): { first(): Promise<unknown> } } };
  const found = await d1.prepare('SELECT 1 AS ok FROM d1_migrations WHERE name = ?').bind(`${newest.tag}.sql`).first();
  return found ? true : `migrations not current: ${newest.tag} is not applied`;
}

export interface WorkerEnv {
  DB: D1Binding;
  ASSETS?: { fetch(request: Request | string): Promise<Response> };
  SEND_EMAIL?: SendEmailBinding;
  [name: string]: unknown;
}

interface Ctx {
  waitUntil(p: Promise<unknown>): void;
  passThroughOnException?(): void;
}

/** Workers: ENVIRONMENT names the environment, wrangler dev's port, and mail may go through the send_email binding. */
const WORKERS_PLATFORM: Platform = { environmentVariable: 'ENVIRONMENT', defaultPort: 8787, mailNeedsSmtp: false };

function stringVars(env: WorkerEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

/** MAIL_TRANSPORT picks the transport: "send_email" (binding SEND_EMAIL), "http" (MAIL_HTTP_URL + MAIL_HTTP_API_KEY), or unset (outbox, development only). */
function createWorkerMailer(env: WorkerEnv, vars: Record<string, string | undefined>, config: Config): Mailer | null {
  const from = config.mailFrom;
  const transport = vars.MAIL_TRANSPORT;
  if (transport === 'send_email') {
    if (!env.SEND_EMAIL)
      throw new ConfigError('MAIL_TRANSPORT=send_email needs a [[send_email]] binding named SEND_EMAIL');
    return createCloudflareEmailMailer({ binding: env.SEND_EMAIL, from });
  }
  if (transport === 'http') {
    if (!vars.MAIL_HTTP_URL || !vars.MAIL_HTTP_API_KEY)
      throw new ConfigError('MAIL_TRANSPORT=http needs MAIL_HTTP_URL and the secret MAIL_HTTP_API_KEY');
    return createHttpApiMailer({ url: vars.MAIL_HTTP_URL, apiKey: vars.MAIL_HTTP_API_KEY, from });
  }
  if (transport) throw new ConfigError(`MAIL_TRANSPORT must be send_email or http, got ${JSON.stringify(transport)}`);
  if (config.production) throw new ConfigError('Set MAIL_TRANSPORT in production: the development outbox is off there');
  // The outbox hands out sign-in links: only behind a loopback PUBLIC_URL (API.md).
  if (!config.devOutbox)
    throw new ConfigError(
      `Set MAIL_TRANSPORT: PUBLIC_URL (${config.publicUrl}) is not a loopback origin, so the development outbox is off`,
    );
  return null;
}

let instance: { deps: Deps; app: App } | { error: Error } | undefined;

function getInstance(env: WorkerEnv): { deps: Deps; app: App } {
  if (!instance) {
    try {
      const vars = stringVars(env);
      const config = parseConfig(vars, WORKERS_PLATFORM);
      const logger = createJsonLogger();
      const deps = buildDeps({
        config,
        db: createD1Db(env.DB),
        logger,
        mailer: createWorkerMailer(env, vars, config),
        migrationsCurrent: () => d1MigrationsCurrent(env.DB),
        // Cloudflare sets CF-Connecting-IP at its edge; a client cannot forge it there.
        socketAddress: (c) => c.req.header('cf-connecting-ip'),
      });
      // The emailed link's landing page is the front end's index.html, served from the assets binding.
      const linkPage = env.ASSETS
        ? async () => {
            const res = await env.ASSETS!.fetch(new Request(new URL('/', config.publicUrl)));
            return res.ok ? res.text() : null;
          }
        : undefined;
      // Every request reaches the Worker (run_worker_first = true), so assets get the security
      // headers too; the assets binding answers only paths that are not the API's.
      const assets: MiddlewareHandler<AppEnv> | undefined = env.ASSETS
        ? async (c, next) => {
            if (isApiPath(c.req.path)) return next();
            const res = await env.ASSETS!.fetch(c.req.raw);
            if (res.status === 404) return next();
            return res;
          }
        : undefined;
      // Background work (mail delivery) must be registered with the request's waitUntil, or workerd drops it.
      const deferFor = (c: Context<AppEnv>) => (work: Promise<unknown>) =>
        c.executionCtx.waitUntil(
          work.catch((err) => logger.log('error', 'background task failed', { error: String(err) })),
        );
      instance = { deps, app: createApp(deps, { linkPage, assets, deferFor, postWebhooksAfterWrites: true }) };
    } catch (err) {
      instance = { error: err as Error };
    }
  }
  if ('error' in instance) throw instance.error;
  return instance;
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: Ctx): Promise<Response> {
    let app: App;
    try {
      app = getInstance(env).app;
    } catch (err) {
      console.error(
        JSON.stringify({ level: 'error', msg: 'configuration error', error: String((err as Error).message) }),
      );
      const res = Response.json(
        { error: { code: 'INTERNAL', message: 'The service is misconfigured' } },
        { status: 500 },
      );
      // Every response carries the security headers, this one too.
      applySecurityHeaders(res.headers, { https: new URL(request.url).protocol === 'https:' });
      res.headers.set('Cache-Control', 'no-store');
      return res;
    }
    return app.fetch(request, env, ctx as never);
  },

  /** Cron trigger: mail retries, webhook delivery and retries, housekeeping. */
  async scheduled(event: { scheduledTime?: number }, env: WorkerEnv, ctx: Ctx): Promise<void> {
    const { deps } = getInstance(env);
    const walkSessions = sessionWalkDue(event.scheduledTime ?? Date.now());
    ctx.waitUntil(
      Promise.all([
        deliverDueMail(deps),
        deliverDueWebhooks(deps),
        syncWebhookOutbox(deps),
        pruneExpired({ ...deps, walkSessions }),
      ]),
    );
  },
};
