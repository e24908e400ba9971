/**
 * Crashes (issue 8, item 4).
 *
 * Part 1 runs the REAL server as a child process (`node --import tsx src/entry/node.ts`, SQLite
 * file in a temp dir, 127.0.0.1, mail in the development outbox), puts it under sign-in and
 * refresh load from 12 concurrent clients, and kills it with SIGKILL three times, at different
 * moments (300 ms and 1.5 s after the first answer, and the instant the 120th answer arrives).
 * After each kill it inspects a copy of the database exactly as the crash left it (file + WAL),
 * then starts the server again on the same file and checks every session a client was ever
 * answered 200 for.
 *
 * The client model. Each session belongs to one client, which uses it one request at a time and
 * remembers `newest`: the refresh cookie of the last 200 it received for it (from the verify that
 * started it or from a refresh). A refresh whose answer did not arrive because of the kill leaves
 * `inFlight = newest`. Its rotation may or may not have committed before the kill.
 *
 * Acceptance rules, for every session answered 200 before a kill:
 * A. In the crash state, the hash of `newest` is that session's current or previous generation
 *    (sessions.refresh_hash / refresh_prev_hash), and the session is not revoked (nothing in the
 *    load logs out).
 * B. If it is the current one: after the restart, `newest` refreshes with 200 and the same sid.
 * C. If it is the previous one (rotated), the client must have had a refresh with `newest` in flight at the kill
 *    (a rotation no client request caused is a defect). This is the only "legitimate rotation": a
 *    committed rotation whose response was lost. Then, by API.md, what the client gets when it
 *    retries with `newest` depends on the reuse window:
 *    - within REFRESH_REUSE_WINDOW of the rotation (restarts 1 and 2 run with the maximum, 300 s,
 *      so every retry is within it): 200 with the very successor the lost response carried (its
 *      hash is the session's refresh_hash) and the same sid: the session survives the crash;
 *    - after the window (restart 3 runs with REFRESH_REUSE_WINDOW=0, so any retry is after it):
 *      401 REFRESH_TOKEN_REUSED and the session is revoked ('refresh_reuse'). The server cannot
 *      tell a client whose answer was lost from a thief replaying an old token once the window has
 *      passed, and RFC 9700 reuse detection must win; the client signs in again. Only sessions
 *      under rule C may end this way; every other session must still refresh (rule B).
 * D. No half-written rows, in the crash state and at the end: PRAGMA integrity_check is "ok",
 *    foreign_key_check is empty; every session has exactly one session.started audit row, a current
 *    refresh generation (hash and time) and, once rotated, its previous one; no two sessions share a
 *    token hash; no refresh_tokens rows (only sessions from before self-describing tokens have them); every user has the session and account.created audit row it was created with;
 *    every emailed link (email_tokens) has exactly one mail_queue row (same address and expiry) and
 *    vice versa, each with its email.sent audit row; every used-up link (consumed_by) has exactly
 *    one email session and one email.verified audit row, and every email session a used-up link.
 *    (These read the load's shape: one sign-in per address, no logout, no passkey.)
 *
 * Part 2: a database that stays locked past the busy timeout answers 503 with Retry-After and
 * writes nothing partial, for an email verify, a passkey sign-in, adding a passkey and a refresh,
 * with the lock taken before the request and at the request's own all-or-nothing batch.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { aroundNextBatch } from '../helpers/intercept-batch.js';
import { createHarness, refreshCookieOf as harnessCookieOf, type Harness } from '../helpers/harness.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { extractLinkAndCode } from '../helpers/smtp-capture.js';
import { halfWrittenRows } from './crash-invariants.js';
import {
  freePort,
  httpRequest,
  killHard,
  refreshCookieOf,
  startServer,
  type ChildServer,
  type HttpAnswer,
} from './crash-server.js';

const sha256 = (token: string) => createHash('sha256').update(token).digest('base64url');

interface ClientSession {
  sid: string;
  email: string;
  owner: number;
  newest: string;
  /** The cookie of a refresh sent and not answered (the kill), else null. */
  inFlight: string | null;
  /** Ended by rule C after the window. */
  ended: boolean;
}

/** What the crash state says about one session's newest cookie (rules A and C). */
type Expectation = { kind: 'unrotated' } | { kind: 'lost-rotation'; successorHash: string };

const CLIENTS = 12;
const HIGH = { RATE_LIMIT_PER_MINUTE: '100000000', RATE_LIMIT_EMAILS_PER_HOUR: '1000000' };

describe('kill -9 under sign-in and refresh load, restart on the same file', () => {
  let dir: string;
  let dbFile: string;
  let port: number;
  let server: ChildServer | null = null;
  const sessions: ClientSession[] = [];
  const report = {
    kills: 0,
    finalKill: 0,
    signIns: 0,
    refreshes: 0,
    checked: 0,
    lostRotations: 0,
    lostUncommitted: 0,
    endedAfterWindow: 0,
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-crash-'));
    dbFile = path.join(dir, 'sesame.db');
    port = await freePort();
  });

  afterAll(async () => {
    if (server) await killHard(server);
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(`crash suite: ${JSON.stringify(report)}`);
  });

  const start = async (reuseWindow: number) => {
    server = await startServer({
      port,
      env: { DATABASE_PATH: dbFile, REFRESH_REUSE_WINDOW: String(reuseWindow), ...HIGH },
    });
    return server;
  };

  /** Runs the load until `kill` fires, then waits for the clients and the process to be gone. */
  async function loadAndKill(round: number, when: { afterMs: number } | { afterAnswers: number }) {
    const s = server!;
    const failures: string[] = [];
    let stopped = false;
    let answers = 0;
    const kill = () => {
      if (stopped) return;
      stopped = true;
      s.child.kill('SIGKILL');
    };
    let timer: NodeJS.Timeout | null = null;
    const answered = () => {
      answers++;
      // Timed kills count from the first answer, so a slow machine still kills mid-load.
      if (answers === 1 && 'afterMs' in when) timer = setTimeout(kill, when.afterMs);
      if ('afterAnswers' in when && answers === when.afterAnswers) kill();
    };
    const expectStatus = (a: HttpAnswer, status: number, what: string) => {
      if (a.status !== status) throw new Error(`${what}: ${a.status} ${JSON.stringify(a.body)}`);
    };

    async function signIn(owner: number, n: number) {
      const email = `r${round}-c${owner}-${n}@load.example`;
      expectStatus(await httpRequest(port, '/auth/email/start', { method: 'POST', body: { email } }), 202, 'start');
      answered();
      const outbox = await httpRequest(port, '/dev/outbox');
      expectStatus(outbox, 200, 'outbox');
      const message = (outbox.body as { messages: { to: string; text: string }[] }).messages.find(
        (m) => m.to === email,
      );
      if (!message) throw new Error(`no message for ${email} in the outbox`);
      const { token, code } = extractLinkAndCode(message.text);
      const verify = await httpRequest(port, '/auth/email/verify', {
        method: 'POST',
        body: n % 2 ? { token } : { email, code },
      });
      expectStatus(verify, 201, 'verify');
      const cookie = refreshCookieOf(verify);
      if (!cookie) throw new Error('verify set no cookie');
      sessions.push({
        sid: decodeJwt((verify.body as { accessToken: string }).accessToken).sid as string,
        email,
        owner,
        newest: cookie,
        inFlight: null,
        ended: false,
      });
      report.signIns++;
      answered();
    }

    async function refresh(session: ClientSession) {
      session.inFlight = session.newest;
      const a = await httpRequest(port, '/auth/refresh', { method: 'POST', body: {}, cookie: session.newest });
      expectStatus(a, 200, `refresh of ${session.sid}`);
      const next = refreshCookieOf(a);
      if (!next || decodeJwt((a.body as { accessToken: string }).accessToken).sid !== session.sid)
        throw new Error('refresh answered another session');
      session.newest = next;
      session.inFlight = null;
      report.refreshes++;
      answered();
    }

    async function client(owner: number) {
      for (let n = 0; !stopped; n++) {
        const mine = sessions.filter((x) => x.owner === owner && !x.ended);
        try {
          // Mostly refresh chains (old sessions carry on across crashes), a sign-in every fourth step.
          if (mine.length === 0 || n % 4 === 0) await signIn(owner, n);
          else await refresh(mine[n % mine.length]!);
        } catch (err) {
          // After the kill, a lost answer is expected; before it, any failure is a defect.
          if (!stopped) failures.push(String(err));
          return;
        }
      }
    }

    const safety = setTimeout(kill, 15_000);
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
    if (timer) clearTimeout(timer);
    clearTimeout(safety);
    kill();
    await killHard(s);
    server = null;
    report.kills++;
    expect(failures, s.output()).toEqual([]);
    expect(answers).toBeGreaterThan(0);
  }

  /** Rules A, C and D on a copy of the files exactly as the kill left them. */
  function inspectCrashState(round: number): Map<ClientSession, Expectation> {
    const copy = path.join(dir, `crash-${round}`);
    fs.mkdirSync(copy);
    for (const suffix of ['', '-wal'])
      if (fs.existsSync(dbFile + suffix)) fs.copyFileSync(dbFile + suffix, path.join(copy, `sesame.db${suffix}`));
    const db = new Database(path.join(copy, 'sesame.db'));
    try {
      expect(halfWrittenRows(db, { revokedAllowed: false })).toEqual([]);
      const expectations = new Map<ClientSession, Expectation>();
      const sessionRow = db.prepare('SELECT refresh_hash, refresh_prev_hash FROM sessions WHERE id = ?');
      for (const s of sessions.filter((x) => !x.ended)) {
        const row = sessionRow.get(s.sid) as { refresh_hash: string; refresh_prev_hash: string | null } | undefined;
        expect(row, `session ${s.sid} is stored`).toBeDefined();
        const hash = sha256(s.newest);
        expect(
          [row!.refresh_hash, row!.refresh_prev_hash],
          `newest cookie of ${s.sid} is its current or previous generation`,
        ).toContain(hash);
        if (row!.refresh_hash === hash) {
          if (s.inFlight) report.lostUncommitted++;
          expectations.set(s, { kind: 'unrotated' });
        } else {
          expect(s.inFlight, `${s.sid} was rotated although no refresh of its newest cookie was in flight`).toBe(
            s.newest,
          );
          report.lostRotations++;
          expectations.set(s, { kind: 'lost-rotation', successorHash: row!.refresh_hash });
        }
      }
      return expectations;
    } finally {
      db.close();
    }
  }

  /** Rules B and C after the restart; every live session is refreshed once, in parallel. */
  async function checkSessions(expectations: Map<ClientSession, Expectation>, reuseWindow: number) {
    // The file as the restarted server sees it (a second, read-only connection beside it).
    const live = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      expect(live.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      live.close();
    }
    await Promise.all(
      [...expectations].map(async ([s, expectation]) => {
        const a = await httpRequest(port, '/auth/refresh', { method: 'POST', body: {}, cookie: s.newest });
        report.checked++;
        if (expectation.kind === 'lost-rotation' && reuseWindow === 0) {
          expect(a.status, s.sid).toBe(401);
          expect((a.body as { error: { code: string } }).error.code).toBe('REFRESH_TOKEN_REUSED');
          s.ended = true;
          report.endedAfterWindow++;
          return;
        }
        expect(a.status, `${s.sid} ${expectation.kind}: ${JSON.stringify(a.body)}`).toBe(200);
        const next = refreshCookieOf(a)!;
        expect(decodeJwt((a.body as { accessToken: string }).accessToken).sid).toBe(s.sid);
        // Within the window the retry gets the successor the lost answer carried, not a new one.
        if (expectation.kind === 'lost-rotation') expect(sha256(next)).toBe(expectation.successorHash);
        s.newest = next;
        s.inFlight = null;
      }),
    );
  }

  it('kill 1: 300 ms after the first answer; restart within the reuse window: every session refreshes', {
    timeout: 60_000,
  }, async () => {
    await start(300);
    await loadAndKill(1, { afterMs: 300 });
    const expectations = inspectCrashState(1);
    await start(300);
    await checkSessions(expectations, 300);
  });

  it('kill 2: 1.5 s after the first answer (chains from before the first crash carry on); restart within the window', {
    timeout: 60_000,
  }, async () => {
    await loadAndKill(2, { afterMs: 1500 });
    const expectations = inspectCrashState(2);
    await start(300);
    await checkSessions(expectations, 300);
  });

  it('kill 3: the instant the 120th answer arrives; restart with the window passed: only lost rotations end (reuse detection)', {
    timeout: 60_000,
  }, async () => {
    await loadAndKill(3, { afterAnswers: 120 });
    const expectations = inspectCrashState(3);
    await start(0);
    await checkSessions(expectations, 0);
    // Every session the clients were answered 200 for still works, except those ended by rule C.
    const alive = sessions.filter((s) => !s.ended);
    expect(alive.length).toBeGreaterThan(0);
    expect(alive.length + report.endedAfterWindow).toBe(sessions.length);
  });

  it('at the end: the file is intact and holds no half-written rows', { timeout: 30_000 }, async () => {
    await killHard(server!);
    server = null;
    report.finalKill++;
    const db = new Database(dbFile);
    try {
      expect(halfWrittenRows(db, { revokedAllowed: true })).toEqual([]);
      const ended = sessions
        .filter((s) => s.ended)
        .map((s) => s.sid)
        .sort();
      const revoked = (
        db.prepare('SELECT id FROM sessions WHERE revoked_at IS NOT NULL ORDER BY id').all() as { id: string }[]
      ).map((r) => r.id);
      expect(revoked).toEqual(ended);
    } finally {
      db.close();
    }
    expect(report.checked).toBeGreaterThan(sessions.length);
  });
});

// ---------------------------------------------------------------------------------------------

describe('a database locked past the busy timeout: 503 with Retry-After, nothing partial', () => {
  let h: Harness;
  let locker: Database.Database;
  const TABLES = [
    'users',
    'sessions',
    'refresh_tokens',
    'audit_events',
    'rate_limits',
    'email_tokens',
    'mail_queue',
    'passkeys',
    'webauthn_challenges',
    'signing_keys',
  ];

  beforeEach(async () => {
    h = await createHarness();
    // A second connection (another process would do the same) that holds the write lock.
    locker = new Database(path.join(h.dir, 'sesame.db'));
    locker.pragma('busy_timeout = 0');
  });
  afterEach(() => {
    if (locker.inTransaction) locker.exec('ROLLBACK');
    locker.close();
    return h.close();
  });

  const rows = (q: string) => h.sqlite.sqlite.prepare(q).all();
  const state = (except: string[] = []) =>
    Object.fromEntries(
      TABLES.filter((t) => !except.includes(t)).map((t) => [t, rows(`SELECT * FROM ${t} ORDER BY rowid`)]),
    );
  const origin = () => h.config.publicUrl;

  /** Makes the app wait 50 ms for the lock (instead of 5 s) before giving up. */
  const shortBusyTimeout = () => h.sqlite.sqlite.pragma('busy_timeout = 50');
  /** The lock is held before the request arrives: its first write (the rate-limit count) waits and fails. */
  const lockNow = () => {
    shortBusyTimeout();
    locker.exec('BEGIN IMMEDIATE');
  };
  /** The lock is taken the moment the request reaches its all-or-nothing batch (after its earlier writes). */
  /** Locks the file just before the request's first all-or-nothing write (after `skip` of them). */
  const lockAtFirstBatch = (skip = 0) => {
    shortBusyTimeout();
    aroundNextBatch(h.deps.db, { skip, before: () => locker.exec('BEGIN IMMEDIATE') });
  };
  const unlock = () => {
    locker.exec('ROLLBACK');
    h.sqlite.sqlite.pragma('busy_timeout = 5000');
  };

  async function expectBusy(res: Response) {
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('SERVICE_BUSY');
  }

  async function emailed(email: string) {
    expect((await h.request('/auth/email/start', { body: { email } })).status).toBe(202);
    const { messages } = (await (await h.request('/dev/outbox')).json()) as {
      messages: { to: string; text: string }[];
    };
    return extractLinkAndCode(messages.find((m) => m.to === email)!.text);
  }

  async function creationOptions(body: unknown, token?: string) {
    const res = await h.request('/auth/passkeys/register/options', { body, token });
    expect(res.status).toBe(200);
    return (await res.json()) as PublicKeyCredentialCreationOptionsJSON;
  }

  it('email verify, locked before the request: 503, no table changed, and the same link then signs in', async () => {
    const { token } = await emailed('locked@example.com');
    const before = state();
    lockNow();
    await expectBusy(await h.request('/auth/email/verify', { body: { token } }));
    unlock();
    expect(state()).toEqual(before);
    expect((await h.request('/auth/email/verify', { body: { token } })).status).toBe(201);
  });

  it('email verify, locked at its batch: 503, the code is not used up and nothing of the sign-in exists; the same code then signs in', async () => {
    const { code } = await emailed('batch@example.com');
    const before = state(['rate_limits']);
    lockAtFirstBatch();
    await expectBusy(await h.request('/auth/email/verify', { body: { email: 'batch@example.com', code } }));
    unlock();
    expect(state(['rate_limits'])).toEqual(before);
    const res = await h.request('/auth/email/verify', { body: { email: 'batch@example.com', code } });
    expect(res.status).toBe(201);
    expect(rows('SELECT count(*) AS n FROM users')).toEqual([{ n: 1 }]);
  });

  /** An account with one passkey, and a fresh sign-in assertion of it (not yet sent). */
  async function passkeyHolder(email: string) {
    const device = new SoftAuthenticator();
    const s = await h.signIn(email);
    const added = device.createCredential({ options: await creationOptions({}, s.accessToken), origin: origin() });
    expect(
      (await h.request('/auth/passkeys/register/verify', { body: { response: added }, token: s.accessToken })).status,
    ).toBe(201);
    const assertion = async () => {
      const options = (await (
        await h.request('/auth/passkeys/login/options', { body: {} })
      ).json()) as PublicKeyCredentialRequestOptionsJSON;
      return device.getAssertion({ options, origin: origin() });
    };
    return { assertion };
  }

  it('passkey sign-in, locked before the request: 503, no table changed, and the same response then signs in', async () => {
    const { assertion } = await passkeyHolder('pk@example.com');
    const response = await assertion();
    const before = state();
    lockNow();
    await expectBusy(await h.request('/auth/passkeys/login/verify', { body: { response } }));
    unlock();
    expect(state()).toEqual(before);
    expect((await h.request('/auth/passkeys/login/verify', { body: { response } })).status).toBe(200);
  });

  it('passkey sign-in, locked at its batch: 503, no session and no counter move; only the (single-use) challenge is spent; a new ceremony signs in', async () => {
    const { assertion } = await passkeyHolder('pk2@example.com');
    const response = await assertion();
    const before = state(['rate_limits', 'webauthn_challenges']);
    const challenges = rows('SELECT * FROM webauthn_challenges').length;
    // The sign-in's batch, after the challenge's consume (a batch of its own, before verification).
    lockAtFirstBatch(1);
    await expectBusy(await h.request('/auth/passkeys/login/verify', { body: { response } }));
    unlock();
    expect(state(['rate_limits', 'webauthn_challenges'])).toEqual(before);
    // Consumed before verification by design (a response is verified at most once).
    expect(rows('SELECT * FROM webauthn_challenges')).toHaveLength(challenges - 1);
    const again = await h.request('/auth/passkeys/login/verify', { body: { response } });
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('CHALLENGE_EXPIRED');
    expect((await h.request('/auth/passkeys/login/verify', { body: { response: await assertion() } })).status).toBe(
      200,
    );
  });

  it('adding a passkey, locked at its batch: 503 and no passkey or audit row; a new ceremony adds it', async () => {
    const s = await h.signIn('adder@example.com');
    const response = new SoftAuthenticator().createCredential({
      options: await creationOptions({}, s.accessToken),
      origin: origin(),
    });
    const before = state(['rate_limits', 'webauthn_challenges']);
    lockAtFirstBatch();
    await expectBusy(await h.request('/auth/passkeys/register/verify', { body: { response }, token: s.accessToken }));
    unlock();
    expect(state(['rate_limits', 'webauthn_challenges'])).toEqual(before);
    const fresh = new SoftAuthenticator().createCredential({
      options: await creationOptions({}, s.accessToken),
      origin: origin(),
    });
    expect(
      (await h.request('/auth/passkeys/register/verify', { body: { response: fresh }, token: s.accessToken })).status,
    ).toBe(201);
  });

  it('refresh, locked at its rotation batch (the existing test locks before the rate-limit write): 503, nothing rotated, the same cookie then rotates', async () => {
    const s = await h.signIn();
    const before = state(['rate_limits']);
    lockAtFirstBatch();
    await expectBusy(await h.request('/auth/refresh', { body: {}, cookie: s.refreshToken }));
    unlock();
    expect(state(['rate_limits'])).toEqual(before);
    const res = await h.request('/auth/refresh', { body: {}, cookie: s.refreshToken });
    expect(res.status).toBe(200);
    expect(harnessCookieOf(res)).not.toBe(s.refreshToken);
    expect(rows("SELECT count(*) AS n FROM audit_events WHERE type = 'session.refresh_reuse_detected'")).toEqual([
      { n: 0 },
    ]);
  });
});
