/**
 * The multi-process mode (WEB_CONCURRENCY=2): the real entry as a child process, two workers
 * behind one listening socket over one WAL file. Every request goes on its own connection, which
 * the primary hands to the workers in turn, and the log says which process answered it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/free-port.js';
import { extractLinkAndCode } from './helpers/smtp-capture.js';

const root = path.resolve(import.meta.dirname, '..');
const LIMIT = 20;

interface LogLine {
  msg: string;
  pid: number;
  role?: string;
  path?: string;
  status?: number;
  worker?: number;
  [k: string]: unknown;
}

let dir: string;
let port: number;
let child: ChildProcess;
let stdout = '';
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

const lines = (): LogLine[] =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

async function waitFor<T>(what: string, check: () => T | undefined | false, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${stdout.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** One request on its own connection (so the primary deals it to the next worker). */
function request(
  pathname: string,
  { method = 'GET', body, cookie, from }: { method?: string; body?: unknown; cookie?: string; from?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = {};
    if (payload)
      Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(payload.length) });
    if (cookie) headers.cookie = `__Host-sesame_refresh=${cookie}`;
    // TRUST_PROXY is on: each test has its own client address, so its own rate-limit budget.
    if (from) headers['x-forwarded-for'] = from;
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text ? (JSON.parse(text) as unknown) : null,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const cookieOf = (a: Answer) =>
  /^__Host-sesame_refresh=([^;]*)/.exec((a.headers['set-cookie'] ?? [])[0] ?? '')?.[1] ?? null;
const workerPids = () =>
  new Set(
    lines()
      .filter((l) => l.msg === 'listening' && l.role === 'worker')
      .map((l) => l.pid),
  );
const servedBy = (pathname: string, since: number) =>
  new Set(
    lines()
      .slice(since)
      .filter((l) => l.msg === 'request' && l.path === pathname)
      .map((l) => l.pid),
  );

async function signIn(email: string, from: string): Promise<string> {
  expect((await request('/auth/email/start', { method: 'POST', body: { email }, from })).status).toBe(202);
  const outbox = (await request('/dev/outbox', { from })).body as { messages: { to: string; text: string }[] };
  const { token } = extractLinkAndCode(outbox.messages.find((m) => m.to === email)!.text);
  const verify = await request('/auth/email/verify', { method: 'POST', body: { token }, from });
  expect(verify.status).toBe(201);
  return cookieOf(verify)!;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-cluster-'));
  port = await freePort();
  child = spawn(process.execPath, ['--import', 'tsx', 'src/entry/node.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_PATH: path.join(dir, 'sesame.db'),
      WEB_CONCURRENCY: '2',
      RATE_LIMIT_PER_MINUTE: String(LIMIT),
      REFRESH_REUSE_WINDOW: '300',
      TRUST_PROXY: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await waitFor('both workers listening', () => stdout.includes('(listening on') && workerPids().size === 2);
}, 150_000);

afterAll(async () => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of workerPids()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('WEB_CONCURRENCY=2', () => {
  it('migrates and creates the signing key once, in the primary, and serves from two workers', () => {
    const all = lines();
    const primary = all.find((l) => l.role === 'primary')!.pid;
    expect(child.pid).not.toBeUndefined();
    expect(workerPids().size).toBe(2);
    expect(workerPids().has(primary)).toBe(false);
    expect(all.filter((l) => l.msg === 'signing key rotated').map((l) => l.pid)).toEqual([primary]);
    // Housekeeping runs once, in the primary.
    expect(new Set(all.filter((l) => l.msg === 'pruned').map((l) => l.pid))).toEqual(new Set([primary]));
  });

  it('gives parallel refreshes of one cookie through different processes one successor, one rotation, no reuse', async () => {
    const cookie = await signIn('race@example.com', '203.0.113.1');
    const since = lines().length;
    const answers = await Promise.all(
      Array.from({ length: 16 }, () =>
        request('/auth/refresh', { method: 'POST', body: {}, cookie, from: '203.0.113.2' }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(16).fill(200));
    const successors = new Set(answers.map(cookieOf));
    expect(successors.size).toBe(1);
    await waitFor('the request log', () => servedBy('/auth/refresh', since).size === 2);
    const db = new Database(path.join(dir, 'sesame.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT refresh_gen, revoked_at FROM sessions').all()).toEqual([
        { refresh_gen: 1, revoked_at: null },
      ]);
      expect(
        db.prepare("SELECT count(*) AS n FROM audit_events WHERE type = 'session.refresh_reuse_detected'").get(),
      ).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    expect(
      (await request('/auth/refresh', { method: 'POST', body: {}, cookie: [...successors][0]!, from: '203.0.113.3' }))
        .status,
    ).toBe(200);
  });

  it('shares one rate-limit budget across the processes', async () => {
    const since = lines().length;
    const answers = await Promise.all(
      Array.from({ length: 2 * LIMIT }, () =>
        request('/auth/refresh', { method: 'POST', body: {}, from: '203.0.113.9' }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    // Exactly LIMIT got through to the route (401: no cookie); every other one was refused.
    expect(statuses.filter((s) => s !== 429)).toEqual(Array(LIMIT).fill(401));
    expect(statuses.filter((s) => s === 429)).toHaveLength(LIMIT);
    await waitFor('the request log', () => servedBy('/auth/refresh', since).size === 2);
  });

  it('answers every /metrics scrape with the counters of all processes, whichever worker takes it', async () => {
    const made = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/entry/cli/admin-key.ts', 'create', '--name', 'prometheus', '--scopes', 'metrics:read'],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_PATH: path.join(dir, 'sesame.db') },
        encoding: 'utf8',
      },
    );
    expect(made.status, made.stderr).toBe(0);
    const key = made.stdout.trim().split('\n').at(-1)!;
    const since = lines().length;
    const live = await Promise.all(Array.from({ length: 10 }, () => request('/livez')));
    expect(live.map((a) => a.status)).toEqual(Array(10).fill(200));
    await waitFor('/livez on both workers', () => servedBy('/livez', since).size === 2);
    const scrape = () =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        http
          .get(
            {
              host: '127.0.0.1',
              port,
              path: '/metrics',
              headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': '203.0.113.30' },
              agent: false,
            },
            (res) => {
              let text = '';
              res.on('data', (d: Buffer) => (text += d.toString('utf8')));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
            },
          )
          .on('error', reject);
      });
    const before = lines().length;
    for (let i = 0; i < 4; i++) {
      const { status, text } = await scrape();
      expect(status, text).toBe(200);
      // Ten requests, five on each worker: every scrape sees all ten, not one worker's share.
      expect(text).toMatch(/^sesame_http_request_duration_seconds_count\{[^}]*route="\/livez"[^}]*\} 10$/m);
    }
    await waitFor('scrapes on both workers', () => servedBy('/metrics', before).size === 2);
  });

  it('replaces a worker that dies', async () => {
    const before = workerPids();
    const victim = [...before][0]!;
    process.kill(victim, 'SIGKILL');
    const replacement = await waitFor('a replacement worker', () => [...workerPids()].find((p) => !before.has(p)));
    expect(lines().some((l) => l.msg === 'worker died; starting a replacement' && l.worker === victim)).toBe(true);
    const since = lines().length;
    const answers = await Promise.all(Array.from({ length: 6 }, () => request('/healthz')));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    await waitFor('the replacement serving', () => servedBy('/healthz', since).has(replacement));
  }, 150_000);

  it('drains every worker on SIGTERM: a request in flight is answered, then all processes exit', async () => {
    const live = [...workerPids()].filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(live).toHaveLength(2);
    // A request whose body is still arriving when the stop begins.
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let raw = '';
    socket.on('data', (d) => (raw += d.toString('utf8')));
    const closed = new Promise((r) => socket.once('close', r));
    socket.write(
      `POST /auth/refresh HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Forwarded-For: 203.0.113.20\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n1\r\n{\r\n`,
    );
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    await waitFor(
      'the workers stopping',
      () => lines().filter((l) => l.msg === 'stopping' && l.role === 'worker').length === 2,
    );
    socket.write('1\r\n}\r\n0\r\n\r\n');
    await closed;
    expect(raw).toMatch(/^HTTP\/1\.1 401 /);
    expect(await exited).toEqual({ code: 0, signal: null });
    for (const pid of live) expect(() => process.kill(pid, 0)).toThrow();
    // The database was closed by everyone: the last one out checkpointed and removed the WAL.
    expect(fs.existsSync(path.join(dir, 'sesame.db-wal'))).toBe(false);
  }, 60_000);
});
