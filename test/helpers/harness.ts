/**
 * The real app on a temp-file SQLite database with a clock tests can move, driven through
 * app.request() with a socket address, so every middleware runs as in production.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type AppOptions } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import type { Deps } from '../../src/deps.js';
import { createNodeDeps } from '../../src/entry/node.js';
import type { Logger, LogFields, LogLevel } from '../../src/log.js';
import { startSession, type IssuedSession } from '../../src/auth/sessions.js';
import { findUserByEmail, newUser } from '../../src/auth/users.js';
import { users } from '../../src/db/schema.js';
import { REFRESH_COOKIE } from '../../src/http/cookies.js';
import type { Amr } from '../../src/auth/access-tokens.js';

export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

export interface HarnessOptions {
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

export async function createHarness({ env = {}, start = T0, deps: overrides = {}, appOptions }: HarnessOptions = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-test-'));
  const config = parseConfig({ DATABASE_PATH: path.join(dir, 'sesame.db'), RATE_LIMIT_PER_MINUTE: '100000', ...env }, 'node');
  let now = start;
  const logs: { level: LogLevel; msg: string; fields: LogFields }[] = [];
  const logger: Logger = { log: (level, msg, fields = {}) => void logs.push({ level, msg, fields }) };
  const built = createNodeDeps({ config, logger, clock: () => now });
  const deps: Deps = { ...built.deps, ...overrides };
  const app = createApp(deps, appOptions);

  async function request(pathname: string, { method, body, rawBody, headers = {}, token, cookie, ip = '127.0.0.1' }: RequestOptions = {}) {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
    if (token) h.authorization = `Bearer ${token}`;
    if (cookie) h.cookie = `${REFRESH_COOKIE}=${cookie}`;
    return app.request(
      pathname,
      { method: method ?? (body !== undefined || rawBody !== undefined ? 'POST' : 'GET'), headers: h, body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)) },
      { incoming: { socket: { remoteAddress: ip } } },
    );
  }

  /** Signs a user in through the domain's one startSession function (no test-only endpoint). */
  async function signIn(email = `user-${Math.random().toString(36).slice(2)}@example.com`, { amr = ['otp'] as Amr[], verified = true } = {}) {
    let user = await findUserByEmail(deps.db, email);
    if (!user) {
      user = newUser({ email, emailVerified: verified, now });
      await deps.db.orm.insert(users).values(user);
    }
    const issued = (await startSession(deps, { user, method: 'email', amr, context: { userAgent: 'vitest', clientAddress: '127.0.0.1' } }))!;
    return issued;
  }

  return {
    app,
    deps,
    config,
    sqlite: built.sqlite,
    logs,
    dir,
    now: () => now,
    advance: (ms: number) => void (now += ms),
    setNow: (ms: number) => void (now = ms),
    request,
    signIn,
    close() {
      built.sqlite.close();
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
