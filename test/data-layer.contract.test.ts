/**
 * One contract suite of the data layer, run against better-sqlite3 and against a real D1 (workerd
 * via miniflare): the same domain code must be all-or-nothing on both, without interactive
 * transactions.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { hitRateLimit } from '../src/auth/rate-limit.js';
import { rotateRefreshToken } from '../src/auth/sessions/rotation.js';
import { startSession } from '../src/auth/sessions/sessions.js';
import { rotateSigningKey } from '../src/auth/sessions/signing-keys.js';
import { newUser } from '../src/auth/account/users.js';
import { sessions, users } from '../src/db/schema.js';
import type { Db } from '../src/db/db.js';
import { createHarness, type Harness } from './helpers/harness.js';
import { SoftAuthenticator } from './helpers/soft-authenticator.js';
import { extractLinkAndCode } from './helpers/smtp-capture.js';

describe.each(['better-sqlite3', 'd1', 'd1-session'] as const)('data layer on %s', (driver) => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({ driver, env: { REFRESH_REUSE_WINDOW: '10' } });
  });
  afterEach(() => h.close());

  const n = async (table: string) => Number((await h.all(`SELECT count(*) AS n FROM ${table}`))[0]!.n);

  it('starts a session: user, session with its refresh token hash, and audit row', async () => {
    const s = await h.signIn('c@example.com');
    expect(await n('sessions')).toBe(1);
    expect(await h.all('SELECT refresh_gen FROM sessions')).toEqual([{ refresh_gen: 0 }]);
    expect(await n('refresh_tokens')).toBe(0);
    expect(await h.all("SELECT type FROM audit_events WHERE type = 'session.started'")).toHaveLength(1);
    expect((await h.request('/api/me', { token: s.accessToken })).status).toBe(200);
  });

  it('signs in by emailed link and by code through the prepared lookups, each proof used once', async () => {
    const start = async (email: string) => {
      expect((await h.request('/auth/email/start', { body: { email } })).status).toBe(202);
      const outbox = (await (await h.request('/dev/outbox')).json()) as { messages: { to: string; text: string }[] };
      // The outbox lists the newest message first.
      return extractLinkAndCode(outbox.messages.find((m) => m.to === email)!.text);
    };
    const { token } = await start('link@example.com');
    const byLink = await h.request('/auth/email/verify', { body: { token } });
    expect(byLink.status).toBe(201);
    // Used up: the same link again is refused, and nothing more is written.
    expect((await h.request('/auth/email/verify', { body: { token } })).status).toBe(401);
    const { code } = await start('link@example.com');
    const byCode = await h.request('/auth/email/verify', { body: { email: 'link@example.com', code } });
    // The account from the link, found by its address: a sign-in (200), not a second account.
    expect(byCode.status).toBe(200);
    expect(((await byCode.json()) as { user: { id: string } }).user.id).toBe(
      ((await byLink.json()) as { user: { id: string } }).user.id,
    );
    expect(await n('users')).toBe(1);
    expect(await n('sessions')).toBe(2);
  });

  it('signs in with a passkey through the prepared challenge consume and passkey lookup, each challenge used once', async () => {
    const device = new SoftAuthenticator();
    const s = await h.signIn('pk@example.com');
    const reg = await h.request('/auth/passkeys/register/options', { body: {}, token: s.accessToken });
    const credential = device.createCredential({ options: (await reg.json()) as never, origin: h.config.publicUrl });
    expect(
      (await h.request('/auth/passkeys/register/verify', { body: { response: credential }, token: s.accessToken }))
        .status,
    ).toBe(201);
    const options = (await (await h.request('/auth/passkeys/login/options', { body: {} })).json()) as never;
    const assertion = device.getAssertion({ options, origin: h.config.publicUrl });
    const signedIn = await h.request('/auth/passkeys/login/verify', { body: { response: assertion } });
    expect(signedIn.status).toBe(200);
    expect(((await signedIn.json()) as { user: { email: string } }).user.email).toBe('pk@example.com');
    // The challenge was consumed by the first answer: the same assertion again is refused.
    const again = await h.request('/auth/passkeys/login/verify', { body: { response: assertion } });
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('CHALLENGE_EXPIRED');
    expect(await n('webauthn_challenges')).toBe(0);
  });

  it('writes nothing of a session whose guard fails', async () => {
    const user = newUser({ email: 'g@example.com', emailVerified: true, now: h.now() });
    await h.deps.db.orm.insert(users).values(user);
    const started = await startSession(h.deps, {
      user,
      method: 'email',
      amr: ['otp'],
      guard: { key: 'never', build: () => sql`0`, values: {} },
    });
    expect(started).toBeNull();
    expect(await n('sessions')).toBe(0);
    expect(await n('refresh_tokens')).toBe(0);
    expect(await n('audit_events')).toBe(0);
  });

  it('rotates, answers a replay in the window with the same successor, and revokes on a late replay', async () => {
    const s = await h.signIn();
    const a = await rotateRefreshToken(h.deps, s.refreshToken);
    const again = await rotateRefreshToken(h.deps, s.refreshToken);
    expect(again.refreshToken).toBe(a.refreshToken);
    h.advance(11_000);
    await expect(rotateRefreshToken(h.deps, s.refreshToken)).rejects.toMatchObject({ code: 'REFRESH_TOKEN_REUSED' });
    await expect(rotateRefreshToken(h.deps, a.refreshToken)).rejects.toMatchObject({ code: 'SESSION_REVOKED' });
  });

  it('gives parallel refreshes of one token a single successor', async () => {
    const s = await h.signIn();
    const results = await Promise.all(Array.from({ length: 10 }, () => rotateRefreshToken(h.deps, s.refreshToken)));
    expect(new Set(results.map((r) => r.refreshToken)).size).toBe(1);
    expect(await h.all('SELECT refresh_gen FROM sessions')).toEqual([{ refresh_gen: 1 }]);
  });

  it('rotates a token from before self-describing tokens once into the session, and still detects its reuse', async () => {
    const s = await h.signInLegacy();
    const results = await Promise.all(Array.from({ length: 5 }, () => rotateRefreshToken(h.deps, s.refreshToken)));
    expect(new Set(results.map((r) => r.refreshToken)).size).toBe(1);
    expect(results[0]!.refreshToken.split('.').slice(0, 2)).toEqual([s.session.id, '0']);
    const next = await rotateRefreshToken(h.deps, results[0]!.refreshToken);
    // Inside the window the legacy token follows the chain to the newest token.
    expect((await rotateRefreshToken(h.deps, s.refreshToken)).refreshToken).toBe(next.refreshToken);
    expect(await n('refresh_tokens')).toBe(1);
    h.advance(11_000);
    await expect(rotateRefreshToken(h.deps, s.refreshToken)).rejects.toMatchObject({ code: 'REFRESH_TOKEN_REUSED' });
    await expect(rotateRefreshToken(h.deps, next.refreshToken)).rejects.toMatchObject({ code: 'SESSION_REVOKED' });
  });

  it('rolls the rotation of a legacy token back whole when its second statement fails', async () => {
    const s = await h.signInLegacy();
    const failAt = h.now() + 5000;
    // Make the session update (statement 2 of the legacy rotation batch) fail.
    const trigger = `CREATE TRIGGER fail_session BEFORE UPDATE ON sessions WHEN NEW.refresh_at = ${failAt}
      BEGIN SELECT RAISE(ABORT, 'injected failure'); END`;
    if (h.d1) await h.d1.exec(trigger);
    else h.sqlite.sqlite.exec(trigger);
    const before = await h.all('SELECT hash, rotated_at, successor_hash FROM refresh_tokens');
    const sessionBefore = await h.all('SELECT last_used_at, idle_expires_at, refresh_gen, refresh_hash FROM sessions');
    h.setNow(failAt);
    await expect(rotateRefreshToken(h.deps, s.refreshToken)).rejects.toThrow();
    // Nothing of the first statement (marking the old token rotated) remains.
    expect(await h.all('SELECT hash, rotated_at, successor_hash FROM refresh_tokens')).toEqual(before);
    expect(before[0]!.rotated_at).toBeNull();
    expect(await h.all('SELECT last_used_at, idle_expires_at, refresh_gen, refresh_hash FROM sessions')).toEqual(
      sessionBefore,
    );
    h.advance(1);
    expect((await rotateRefreshToken(h.deps, s.refreshToken)).refreshToken).toMatch(
      /^[A-Za-z0-9_-]{22}\.0\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{22}$/,
    );
  });

  it('rotates nothing when a logout lands between the read and the write of a refresh', async () => {
    const s = await h.signIn();
    const db = h.deps.db;
    const racing: Db = {
      ...db,
      batchPrepared: async (steps) => {
        await db.orm
          .update(sessions)
          .set({ revokedAt: h.now(), revokedReason: 'logout' })
          .where(eq(sessions.id, s.session.id));
        return db.batchPrepared(steps);
      },
    };
    await expect(rotateRefreshToken({ ...h.deps, db: racing }, s.refreshToken)).rejects.toMatchObject({
      code: 'SESSION_REVOKED',
    });
    expect(await h.all('SELECT refresh_gen, refresh_prev_hash FROM sessions')).toEqual([
      { refresh_gen: 0, refresh_prev_hash: null },
    ]);
  });

  it('counts rate-limit hits atomically (GCRA: a burst of the limit, then one per window / limit)', async () => {
    const hit = () => hitRateLimit(h.deps.db, { key: 'k', limit: 5, windowMs: 60_000, now: h.now() });
    const results = await Promise.all(Array.from({ length: 12 }, hit));
    expect(results.filter((r) => r.allowed)).toHaveLength(5);
    expect(results.filter((r) => !r.allowed).map((r) => r.retryAfter)).toEqual(Array(7).fill(12));
    h.advance(12_000);
    expect((await hit()).allowed).toBe(true);
    expect((await hit()).allowed).toBe(false);
    h.advance(60_000);
    expect((await Promise.all(Array.from({ length: 6 }, hit))).filter((r) => r.allowed)).toHaveLength(5);
  });

  it('creates one signing key even when instances race on first start', async () => {
    await Promise.all([
      rotateSigningKey(h.deps, 'first-start'),
      rotateSigningKey(h.deps, 'first-start'),
      h.deps.keys.signingKey(),
    ]);
    expect(await h.all('SELECT count(*) AS n FROM signing_keys WHERE retired_at IS NULL')).toEqual([{ n: 1 }]);
  });

  it('logout and logout-all revoke on this driver too', async () => {
    const a = await h.signIn('l@example.com');
    const b = await h.signIn('l@example.com');
    expect((await h.request('/auth/logout', { body: {}, cookie: a.refreshToken })).status).toBe(204);
    expect((await h.request('/api/me', { token: a.accessToken })).status).toBe(401);
    expect((await h.request('/auth/logout-all', { body: {}, token: b.accessToken })).status).toBe(204);
    expect((await h.request('/api/me', { token: b.accessToken })).status).toBe(401);
  });
});

describe('D1 read replication (Sessions API, local runtime: one primary, no replicas)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({ driver: 'd1-session', env: { REFRESH_REUSE_WINDOW: '10' } });
  });
  afterEach(() => h.close());

  it('moves the bookmark forward with every write of a sign-in, a rotation and a revocation', async () => {
    const seen: string[] = [];
    const mark = () => seen.push(h.d1!.bookmark!()!);
    const s = await h.signIn();
    mark();
    const next = await rotateRefreshToken(h.deps, s.refreshToken);
    mark();
    expect((await h.request('/auth/logout', { body: {}, cookie: next.refreshToken })).status).toBe(204);
    mark();
    // Bookmarks sort oldest to newest: each write is visible to any later read that carries it.
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(3);
    expect((await h.request('/api/me', { token: next.accessToken })).status).toBe(401);
  });
});
