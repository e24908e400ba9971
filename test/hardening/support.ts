/**
 * Shared pieces of the hardening suite (fuzz.test.ts, cross-site.test.ts): the routes of the app,
 * a raw request that can send any header combination, API.md's error shape, and the stored state
 * a refused request must leave alone.
 */
import { expect } from 'vitest';
import type { Harness } from '../helpers/harness.js';

// ---------------------------------------------------------------------------------------------
// Routes

export interface Route {
  method: string;
  /** Hono's pattern, e.g. /auth/passkeys/:id */
  path: string;
}

/**
 * Every route the app registered, from `app.routes` (so a new route is covered without touching
 * the suite). Middleware (`ALL /*`) is left out; each route appears once.
 */
export function appRoutes(app: Harness['app']): Route[] {
  const seen = new Map<string, Route>();
  for (const r of app.routes) {
    if (r.method === 'ALL' || r.path.includes('*')) continue;
    seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  }
  return [...seen.values()];
}

export const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The route with each `:param` replaced by `segment` (already URL-encoded or deliberately raw). */
export function fillPath(path: string, segment: (name: string) => string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => segment(name));
}

// ---------------------------------------------------------------------------------------------
// Raw requests

export interface Wire {
  method: string;
  /** Path and query, sent as is after http://localhost. */
  path: string;
  /** Pairs, so a header can be sent twice (Headers joins repeated values with ", "). */
  headers?: [string, string][];
  body?: string | Uint8Array;
  /**
   * Add Content-Length = the body's byte length, as every real HTTP/1.1 client does (a Request
   * built in-process has none, which would make the app see a DELETE body as absent). Default true.
   */
  contentLength?: boolean;
  ip?: string;
}

export const encoder = new TextEncoder();
export const byteLength = (body: string | Uint8Array) =>
  typeof body === 'string' ? encoder.encode(body).length : body.length;

/** Sends through app.request with a socket address, so every middleware runs as in production. */
export function send(
  h: Harness,
  { method, path, headers = [], body, contentLength = true, ip = '127.0.0.1' }: Wire,
): Promise<Response> {
  const hs = new Headers();
  for (const [k, v] of headers) hs.append(k, v);
  const hasBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
  if (hasBody && contentLength && !hs.has('content-length')) hs.set('content-length', String(byteLength(body)));
  // A string body would make Request add "text/plain;charset=UTF-8" by itself: send bytes instead,
  // so "no Content-Type" really is none.
  const bytes = hasBody ? (typeof body === 'string' ? encoder.encode(body) : body) : undefined;
  const init: RequestInit = { method, headers: hs, body: bytes as BodyInit | undefined };
  // The request's background work (deps.defer) is part of its effect: wait for it before the answer is judged.
  return Promise.resolve(
    h.app.request(`http://localhost${path}`, init, { incoming: { socket: { remoteAddress: ip } } }),
  ).then(async (res) => {
    await h.settle();
    return res;
  });
}

// ---------------------------------------------------------------------------------------------
// API.md's error shape

const SNAKE_CASE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON body when there is one, else the text. */
  body: unknown;
  text: string;
}

/**
 * Reads the answer and asserts the invariants every response keeps: never a 5xx (API.md: "never
 * a 500 for anything a client sent"; no 502/503 either, nothing here is busy or proxied), every
 * error exactly {"error":{"code":"SNAKE_CASE","message":"non-empty"}} as JSON, 429 with
 * Retry-After, and nosniff on everything.
 */
export async function expectSound(res: Response, method: string, label: string): Promise<Answer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : text;
  } catch {
    /* not JSON: fine for pages and 2xx without a body */
  }
  const where = `${label} -> ${res.status} ${text.slice(0, 300)}`;
  expect(res.status, where).toBeLessThan(500);
  expect(res.headers.get('x-content-type-options'), where).toBe('nosniff');
  if (res.status >= 400) {
    expect(res.headers.get('content-type') ?? '', where).toMatch(/^application\/json\b/);
    // HEAD carries no body by definition; everything else carries the exact shape.
    if (method !== 'HEAD') expectErrorShape(body, where);
    if (res.status === 429) expect(res.headers.get('retry-after'), where).toMatch(/^\d+$/);
  }
  if (res.status >= 300 && res.status < 400)
    expect.fail(`no route answers a redirect: ${where} Location=${res.headers.get('location')}`);
  return { status: res.status, headers: res.headers, body, text };
}

export function expectErrorShape(
  body: unknown,
  where = '',
): asserts body is { error: { code: string; message: string } } {
  expect(body !== null && typeof body === 'object' && !Array.isArray(body), `error body is an object: ${where}`).toBe(
    true,
  );
  const outer = body as Record<string, unknown>;
  expect(Object.keys(outer), where).toEqual(['error']);
  const inner = outer.error as Record<string, unknown>;
  expect(inner !== null && typeof inner === 'object' && !Array.isArray(inner), where).toBe(true);
  expect(Object.keys(inner).sort(), where).toEqual(['code', 'message']);
  expect(typeof inner.code === 'string' && SNAKE_CASE.test(inner.code), `code is SNAKE_CASE: ${where}`).toBe(true);
  expect(typeof inner.message === 'string' && inner.message.trim().length > 0, `message is non-empty: ${where}`).toBe(
    true,
  );
}

export const errorCode = (a: Answer) => (a.body as { error?: { code?: string } } | null)?.error?.code;

// ---------------------------------------------------------------------------------------------
// Stored state

/**
 * The tables a refused request must not touch, with their keys. audit_events and rate_limits are
 * deliberately NOT here: recording a refusal (an audit row, a counted hit) is what they are for.
 */
export const WATCHED: Record<string, string> = {
  users: 'id',
  sessions: 'id',
  refresh_tokens: 'hash',
  passkeys: 'id',
  email_tokens: 'id',
  mail_queue: 'id',
  webauthn_challenges: 'hash',
};

export type Snapshot = Record<string, Map<string, Record<string, unknown>>>;

export async function snapshot(h: Harness): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const [table, key] of Object.entries(WATCHED)) {
    const rows = await h.all(`SELECT * FROM ${table}`);
    out[table] = new Map(rows.map((r) => [String(r[key]), r]));
  }
  return out;
}

export interface Change {
  table: string;
  key: string;
  kind: 'added' | 'removed' | 'changed';
  /** For 'changed': column -> [before, after]. */
  columns?: Record<string, [unknown, unknown]>;
}

export function diff(before: Snapshot, after: Snapshot): Change[] {
  const changes: Change[] = [];
  for (const table of Object.keys(WATCHED)) {
    const a = before[table]!;
    const b = after[table]!;
    for (const [key, row] of a) {
      const now = b.get(key);
      if (!now) {
        changes.push({ table, key, kind: 'removed' });
        continue;
      }
      const columns: Record<string, [unknown, unknown]> = {};
      for (const col of new Set([...Object.keys(row), ...Object.keys(now)]))
        if (row[col] !== now[col]) columns[col] = [row[col], now[col]];
      if (Object.keys(columns).length) changes.push({ table, key, kind: 'changed', columns });
    }
    for (const key of b.keys()) if (!a.has(key)) changes.push({ table, key, kind: 'added' });
  }
  return changes;
}

/**
 * What a refusal may still change, each by API.md's own rules (and nothing else):
 * - `challenge`: a passkey verify that got as far as reading the response's challenge has used it
 *   up, whatever the verdict ("Challenges are kept on the server, single use"): one
 *   webauthn_challenges row removed;
 * - `wrongCode`: a wrong code for an address with a live code counts one of its 5 tries: that row's
 *   failed_attempts goes up by one (or the code dies, at 5).
 */
export interface Allowance {
  challenge?: boolean;
  wrongCode?: boolean;
}

export function allowanceFor(method: string, path: string): Allowance {
  const p = path.split('?')[0]!;
  return {
    challenge: method === 'POST' && /^\/auth\/passkeys\/(register|login)\/verify$/.test(p),
    wrongCode: method === 'POST' && p === '/auth/email/verify',
  };
}

/** The changes a refused request made beyond its allowance (empty when it kept the invariant). */
export function forbiddenChanges(changes: Change[], allow: Allowance = {}): Change[] {
  let challengesRemoved = 0;
  let codesCounted = 0;
  return changes.filter((c) => {
    if (allow.challenge && c.table === 'webauthn_challenges' && c.kind === 'removed' && challengesRemoved++ === 0)
      return false;
    if (
      allow.wrongCode &&
      c.table === 'email_tokens' &&
      c.kind === 'changed' &&
      Object.keys(c.columns!).join() === 'failed_attempts' &&
      Number(c.columns!.failed_attempts![1]) === Number(c.columns!.failed_attempts![0]) + 1 &&
      codesCounted++ === 0
    )
      return false;
    return true;
  });
}

/** Asserts the refused request kept stored state (within its allowance). */
export async function expectUnchanged(h: Harness, before: Snapshot, allow: Allowance, where: string) {
  const bad = forbiddenChanges(diff(before, await snapshot(h)), allow);
  expect(bad, `a refused request changed stored state: ${where}`).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// Write journal: a cheaper "nothing was written" for suites that send thousands of requests.

/**
 * Triggers on the WATCHED tables (in this test's throwaway database only) that log every insert,
 * update and delete. `mark()` then `writesSince(mark)` tells whether a request wrote anything there,
 * in O(1) whatever the size of the tables; a no-op UPDATE counts too, which is stricter than a diff.
 */
export function installWriteJournal(h: Harness) {
  const db = h.sqlite.sqlite;
  db.exec(
    'CREATE TABLE IF NOT EXISTS _hardening_writes (id INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, op TEXT NOT NULL)',
  );
  for (const table of Object.keys(WATCHED)) {
    for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
      db.exec(
        `CREATE TRIGGER IF NOT EXISTS _hardening_${table}_${op.toLowerCase()} AFTER ${op} ON ${table}
         BEGIN INSERT INTO _hardening_writes (tbl, op) VALUES ('${table}', '${op}'); END`,
      );
    }
  }
  const last = db.prepare('SELECT coalesce(max(id), 0) AS n FROM _hardening_writes');
  const since = db.prepare('SELECT tbl, op FROM _hardening_writes WHERE id > ? ORDER BY id');
  return {
    mark: () => (last.get() as { n: number }).n,
    writesSince: (mark: number) => since.all(mark) as { tbl: string; op: string }[],
  };
}
