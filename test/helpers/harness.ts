/**
 * The real app on a temp-file SQLite database with a clock tests can move, driven through
 * app.request() with a socket address, so every middleware runs as in production.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type AppOptions } from '../../src/app.js';
import { isLoopbackOrigin, parseConfig } from '../../src/lib/config.js';
import { buildDeps, type Deps } from '../../src/http/deps.js';
import { openTestD1 } from './d1.js';
import { createNodeDeps } from '../../src/entry/node-server.js';
import type { Logger, LogFields, LogLevel } from '../../src/lib/log.js';
import { startSession, type IssuedSession } from '../../src/auth/sessions/sessions.js';
import { findUserByEmail, newUser } from '../../src/auth/account/users.js';
import { sql } from 'drizzle-orm';
import { users } from '../../src/db/schema.js';
import { REFRESH_COOKIE } from '../../src/http/cookies.js';
import type { Amr } from '../../src/auth/sessions/access-tokens.js';

export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

export interface HarnessOptions {
  /**
   * The database driver under test: the SQLite file (default), a real D1 from workerd, or that D1
   * through a Sessions API session opened with 'first-primary' (what read replication needs).
   */
  driver?: 'better-sqlite3' | 'd1' | 'd1-session';
  env?: Record<string, string>;
  start?: number;
  deps?: Partial<Deps>;
  appOptions?: AppOptions;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  rawBody?: BodyInit;
  headers?: Record<string, string>;
  token?: string;
  cookie?: string;
  ip?: string;
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

export async function createHarness({
  driver = 'better-sqlite3',
  env = {},
  start = T0,
  deps: overrides = {},
  appOptions,
}: HarnessOptions = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-test-'));
  // A PUBLIC_URL that is not loopback needs a mail transport to start (no outbox there): tests that
  // do not read mail get one that reaches nobody (createMailHarness gives a real one).
  const needsTransport = env.PUBLIC_URL !== undefined && !isLoopbackOrigin(env.PUBLIC_URL) && !env.SMTP_URL;
  const config = parseConfig({
    DATABASE_PATH: path.join(dir, 'sesame.db'),
    RATE_LIMIT_PER_MINUTE: '100000',
    ...(needsTransport ? { SMTP_URL: 'smtp://127.0.0.1:9' } : {}),
    ...env,
  });
  let now = start;
  const logs: { level: LogLevel; msg: string; fields: LogFields }[] = [];
  const logger: Logger = { log: (level, msg, fields = {}) => void logs.push({ level, msg, fields }) };
  const d1 =
    driver === 'd1' || driver === 'd1-session'
      ? await openTestD1({ session: driver === 'd1-session' ? 'first-primary' : undefined })
      : null;
  const built = d1
    ? {
        deps: buildDeps({ config, db: d1.db, logger, clock: () => now, socketAddress: createNodeDeps.socketAddress }),
        sqlite: null,
      }
    : createNodeDeps({ config, logger, clock: () => now });
  // Background work (deps.defer) is awaited by request() below unless the caller brings its own
  // defer (createMailHarness tracks it and waits on demand), so a plain test sees a request's whole
  // effect when its answer arrives, as it did before the work moved behind the answer.
  const background = new Set<Promise<unknown>>();
  const trackedDefer: Deps['defer'] = (work) => {
    const tracked = work.catch((err) => logger.log('error', 'background task failed', { error: String(err) }));
    background.add(tracked);
    void tracked.finally(() => background.delete(tracked));
  };
  const deps: Deps = { ...built.deps, defer: trackedDefer, ...overrides };
  /** Raw SQL on whichever driver runs, for assertions on stored state. */
  const all = async (q: string, ...params: unknown[]): Promise<Record<string, unknown>[]> =>
    d1 ? d1.all(q, ...params) : (built.sqlite!.sqlite.prepare(q).all(...params) as Record<string, unknown>[]);
  const app = createApp(deps, appOptions);

  async function request(
    pathname: string,
    { method, body, rawBody, headers = {}, token, cookie, ip = '127.0.0.1' }: RequestOptions = {},
  ) {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type'))
      h['content-type'] = 'application/json';
    if (token) h.authorization = `Bearer ${token}`;
    if (cookie) h.cookie = `${REFRESH_COOKIE}=${cookie}`;
    const response = await app.request(
      pathname,
      {
        method: method ?? (body !== undefined || rawBody !== undefined ? 'POST' : 'GET'),
        headers: h,
        body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
      },
      { incoming: { socket: { remoteAddress: ip } } },
    );
    await settle();
    return response;
  }

  /** Waits for the background work (deps.defer) of the requests so far. */
  async function settle(): Promise<void> {
    while (background.size > 0) await Promise.allSettled([...background]);
  }

  /** Signs a user in through the domain's one startSession function (no test-only endpoint). */
  async function signIn(
    email = `user-${Math.random().toString(36).slice(2)}@example.com`,
    { amr = ['otp'] as Amr[], verified = true } = {},
  ) {
    let user = await findUserByEmail(deps.db, email);
    if (!user) {
      user = newUser({ email, emailVerified: verified, now });
      await deps.db.orm.insert(users).values(user);
    }
    const issued = (await startSession(deps, {
      user,
      method: 'email',
      amr,
      context: { userAgent: 'vitest', clientAddress: '127.0.0.1' },
    }))!;
    return issued;
  }

  /**
   * A session as the code before self-describing refresh tokens left it: its current token a
   * `refresh_tokens` row (43 base64url characters), the session's refresh columns empty.
   */
  async function signInLegacy(email?: string) {
    const issued = await signIn(email);
    const legacy = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
    const hash = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(legacy))).toString(
      'base64url',
    );
    await deps.db.orm.run(sql`UPDATE sessions SET refresh_gen = NULL, refresh_hash = NULL, refresh_at = NULL, refresh_prev_hash = NULL,
        refresh_prev_sealed = NULL, refresh_prev_at = NULL WHERE id = ${issued.session.id}`);
    await deps.db.orm.run(
      sql`INSERT INTO refresh_tokens (hash, session_id, created_at) VALUES (${hash}, ${issued.session.id}, ${now})`,
    );
    return { ...issued, refreshToken: legacy };
  }

  return {
    app,
    deps,
    config,
    settle,
    /** The better-sqlite3 handle (null on D1). */
    sqlite: built.sqlite!,
    driver,
    all,
    d1,
    logs,
    dir,
    now: () => now,
    advance: (ms: number) => void (now += ms),
    setNow: (ms: number) => void (now = ms),
    request,
    signIn,
    signInLegacy,
    async close() {
      built.sqlite?.close();
      await d1?.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The refresh token a response set, or null; asserts the cookie's exact attributes elsewhere. */
export function refreshCookieOf(res: Response): string | null {
  for (const line of res.headers.getSetCookie()) {
    const m = new RegExp(`^${REFRESH_COOKIE}=([^;]*)`).exec(line);
    if (m) return m[1] || null;
  }
  return null;
}

export type { IssuedSession };
