/**
 * createApp(deps) -> the Hono app, the same on Node and Workers. Only the entry files know the
 * runtime; everything here reaches the database, mail and clock through deps.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv, Deps } from './http/deps.js';
import { AuthError } from './auth/errors.js';
import { REFRESH_COOKIE } from './http/cookies.js';
import { onError } from './http/on-error.js';
import { openApiDocument } from './http/openapi.js';
import { authRateLimit } from './http/rate-limit.js';
import { requestLog } from './http/request-log.js';
import { limitBody, originCheck, requireJson, securityHeaders } from './http/security.js';
import { appRoutes } from './routes/apps.js';
import { dbscRoutes } from './routes/dbsc.js';
import { adminRoutes } from './routes/admin.js';
import { healthRoutes } from './routes/health.js';
import { recordMetrics } from './http/metrics.js';
import { meRoutes } from './routes/me.js';
import { devOutboxRoutes } from './routes/dev-outbox.js';
import { emailChangeRoutes } from './routes/email-change.js';
import { emailRoutes } from './routes/email.js';
import { passkeyRoutes } from './routes/passkeys.js';
import { sessionRoutes } from './routes/sessions.js';
import { wellKnownRoutes } from './routes/well-known.js';
import { detectLocale } from './http/locale.js';
import { brandedAssets } from './views/app-shell.js';
import { brandingRoutes } from './routes/branding.js';
import { deliverDueWebhooks } from './webhooks/deliver.js';

export { API_VERSION } from './http/openapi.js';

export interface AppOptions {
  /** Serves the built front end (web/dist) for paths no route claims: Node's serveStatic or Workers assets. */
  assets?: MiddlewareHandler<AppEnv>;
  /** The front end's index.html for the emailed link's page (GET /auth/email/verify); null or absent: the server's own page. */
  linkPage?: () => Promise<string | null>;
  /** Background work (mail) for this request, when the platform ties it to the request (Workers: waitUntil). Absent: deps.defer. */
  deferFor?: (c: Context<AppEnv>) => Deps['defer'];
  /** For platforms without a background timer (Workers): post the webhook events a request committed after it answers. */
  postWebhooksAfterWrites?: boolean;
}

export function createApp(deps: Deps, { assets, linkPage, deferFor, postWebhooksAfterWrites }: AppOptions = {}) {
  const app = new OpenAPIHono<AppEnv>();
  app.use('*', async (c, next) => {
    // Where the entry scopes background work to the request (Workers' waitUntil), this request's deps carry it.
    c.set('deps', deferFor ? { ...deps, defer: deferFor(c) } : deps);
    await next();
  });
  app.use('*', requestLog);
  app.use('*', detectLocale);
  app.use('*', recordMetrics);
  if (postWebhooksAfterWrites && deps.config.webhookUrl) {
    // Workers have no timer: events a request committed are posted after it answers (waitUntil);
    // the cron trigger retries the rest. Node posts from its own loop (entry/housekeeping.ts).
    app.use('*', async (c, next) => {
      await next();
      if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.res.status < 500)
        c.get('deps').defer(deliverDueWebhooks(c.get('deps'), { limit: 20 }));
    });
  }
  app.use('*', securityHeaders);
  if (deps.config.appOrigins.length > 0) {
    app.use(
      '*',
      cors({
        // Credentialed CORS only for the apps named in APP_ORIGINS (or CORS_ORIGINS), never a wildcard or a reflection.
        origin: (origin) => (deps.config.appOrigins.includes(origin) ? origin : null),
        credentials: true,
        allowMethods: ['GET', 'POST', 'PATCH', 'DELETE'],
        allowHeaders: ['Content-Type', 'Authorization'],
        maxAge: 600,
      }),
    );
  }
  app.use('*', originCheck);
  app.use('*', requireJson);
  app.use('*', limitBody);
  app.use('*', authRateLimit);

  app.route('/', healthRoutes());
  app.route('/', wellKnownRoutes());
  app.route('/', appRoutes());
  app.route('/', sessionRoutes());
  app.route('/', dbscRoutes());
  app.route('/', meRoutes());
  app.route('/', emailChangeRoutes());
  app.route('/', emailRoutes({ linkPage }));
  app.route('/', devOutboxRoutes());
  app.route('/', passkeyRoutes());
  app.route('/', brandingRoutes());
  app.route('/', adminRoutes());

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The access token of a session response (RFC 9068 at+jwt, ES256)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'refreshCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: REFRESH_COOKIE,
    description:
      'The rotating refresh token: HttpOnly, Secure, SameSite=Strict; the browser sends it, no script can read it',
  });
  app.get('/openapi.json', (c) => c.json(openApiDocument(app, deps.config)));

  if (assets) app.get('*', brandedAssets(assets));

  app.notFound((c) => {
    throw new AuthError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`);
  });
  app.onError(onError);
  return app;
}

export type App = ReturnType<typeof createApp>;
