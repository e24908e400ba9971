import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { createHarness, refreshCookieOf, type Harness } from './helpers/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness({
    env: { REFRESH_REUSE_WINDOW: '10', SESSION_IDLE_TTL: '3600', SESSION_ABSOLUTE_TTL: '86400' },
  });
});
afterEach(() => h.close());

const refresh = (cookie: string, headers: Record<string, string> = {}) =>
  h.request('/auth/refresh', { body: {}, cookie, headers });
const count = (table: string) =>
  (h.sqlite.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('refresh', () => {
  it('rotates the cookie and keeps the session id', async () => {
    const first = await h.signIn('bo@example.com');
    h.advance(1000);
    const res = await refresh(first.refreshToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { accessToken: string; tokenType: string; expiresIn: number; user: unknown };
    expect(body.tokenType).toBe('Bearer');
    expect(body.expiresIn).toBe(900);
    expect(body.user).toEqual({ id: first.user.id, email: 'bo@example.com', emailVerified: true });
    expect(decodeJwt(body.accessToken).sid).toBe(first.session.id);
    const next = refreshCookieOf(res);
    // Self-describing: session id, generation 1, 256 random bits, a 128-bit MAC tag.
    expect(next).toMatch(new RegExp(`^${first.session.id}\\.1\\.[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]{22}$`));
    expect(next).not.toBe(first.refreshToken);
    expect((await refresh(next!)).status).toBe(200);
  });

  it('sets the cookie with exactly the attributes of API.md', async () => {
    const { refreshToken } = await h.signIn();
    const res = await refresh(refreshToken);
    const [line] = res.headers.getSetCookie();
    const [pair, ...attrs] = line!.split('; ');
    expect(pair).toMatch(/^__Host-sesame_refresh=[A-Za-z0-9_-]{22}\.1\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{22}$/);
    expect(attrs.sort()).toEqual(['HttpOnly', 'Max-Age=86400', 'Path=/', 'SameSite=Strict', 'Secure'].sort());
    expect(line).not.toMatch(/Domain=/i);
  });

  it('stores only the SHA-256 of refresh tokens', async () => {
    const { refreshToken, session } = await h.signIn();
    const next = refreshCookieOf(await refresh(refreshToken))!;
    const dump = JSON.stringify(h.sqlite.sqlite.prepare('SELECT * FROM sessions').all());
    expect(dump).not.toContain(refreshToken.split('.')[2]);
    expect(dump).not.toContain(next.split('.')[2]);
    const sha = async (t: string) =>
      Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(t))).toString('base64url');
    expect(
      h.sqlite.sqlite.prepare('SELECT refresh_hash, refresh_prev_hash FROM sessions WHERE id = ?').get(session.id),
    ).toEqual({
      refresh_hash: await sha(next),
      refresh_prev_hash: await sha(refreshToken),
    });
  });

  it('answers a replay inside the reuse window with the same successor and keeps the session working', async () => {
    const { refreshToken } = await h.signIn();
    const winner = refreshCookieOf(await refresh(refreshToken));
    h.advance(5_000);
    const replay = await refresh(refreshToken);
    expect(replay.status).toBe(200);
    expect(refreshCookieOf(replay)).toBe(winner);
    expect((await refresh(winner!)).status).toBe(200);
  });

  it('revokes the whole session when an old token is replayed after the window (the newest token fails too)', async () => {
    const first = await h.signIn();
    const second = refreshCookieOf(await refresh(first.refreshToken))!;
    h.advance(11_000);
    const third = refreshCookieOf(await refresh(second))!;
    const replay = await refresh(first.refreshToken);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await refresh(third)).status).toBe(401);
    expect((await h.request('/api/me', { token: first.accessToken })).status).toBe(401);
    const audit = h.sqlite.sqlite
      .prepare("SELECT type, session_id FROM audit_events WHERE type = 'session.refresh_reuse_detected'")
      .all();
    expect(audit).toEqual([{ type: 'session.refresh_reuse_detected', session_id: first.session.id }]);
  });

  it('gives 10 parallel refreshes with one cookie one successor, and keeps the session', async () => {
    const { refreshToken, session } = await h.signIn();
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(refreshToken)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const cookies = new Set(results.map(refreshCookieOf));
    expect(cookies.size).toBe(1);
    const sids = await Promise.all(
      results.map(async (r) => decodeJwt(((await r.json()) as { accessToken: string }).accessToken).sid),
    );
    expect(new Set(sids)).toEqual(new Set([session.id]));
    expect(count('refresh_tokens')).toBe(0);
    expect(h.sqlite.sqlite.prepare('SELECT refresh_gen FROM sessions').get()).toEqual({ refresh_gen: 1 });
    expect((await refresh([...cookies][0]!)).status).toBe(200);
  });

  it('expires after the idle time without use, and slides with use', async () => {
    const { refreshToken } = await h.signIn();
    h.advance(3_000_000);
    const next = refreshCookieOf(await refresh(refreshToken))!;
    h.advance(3_000_000);
    const after = await refresh(next);
    expect(after.status).toBe(200);
    h.advance(3_601_000);
    const dead = await refresh(refreshCookieOf(after)!);
    expect(dead.status).toBe(401);
    expect(((await dead.json()) as { error: { code: string } }).error.code).toBe('SESSION_EXPIRED');
    expect(dead.headers.getSetCookie().join()).toContain('Max-Age=0');
  });

  it('expires at the absolute time whatever its use', async () => {
    let token = (await h.signIn()).refreshToken;
    for (let i = 0; i < 30; i++) {
      h.advance(3_500_000);
      const res = await refresh(token);
      if (res.status !== 200) {
        expect(h.now() - 1).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 16, 12));
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('SESSION_EXPIRED');
        return;
      }
      token = refreshCookieOf(res)!;
    }
    throw new Error('the session outlived SESSION_ABSOLUTE_TTL');
  });

  it('refuses a missing, unknown or malformed cookie with 401', async () => {
    expect((await h.request('/auth/refresh', { body: {} })).status).toBe(401);
    expect((await refresh('A'.repeat(43))).status).toBe(401);
    expect((await refresh('not a token')).status).toBe(401);
  });

  it('reads the cookie by its exact name: a look-alike name does not shadow it', async () => {
    const { refreshToken } = await h.signIn();
    const other = (await h.signIn()).refreshToken;
    const shadow = `\u00a0__Host-sesame_refresh=${other}; __Host-sesame_refresh=${refreshToken}`;
    const res = await h.request('/auth/refresh', { body: {}, headers: { cookie: shadow } });
    expect(res.status).toBe(200);
    const { user } = (await res.json()) as { user: { id: string } };
    const owner = h.sqlite.sqlite.prepare(
      'SELECT user_id FROM sessions s JOIN refresh_tokens r ON r.session_id = s.id WHERE r.hash = ?',
    );
    expect(owner).toBeDefined();
    expect(user.id).not.toBeUndefined();
    const onlyShadow = await h.request('/auth/refresh', {
      body: {},
      headers: { cookie: `\u00a0__Host-sesame_refresh=${other}` },
    });
    expect(onlyShadow.status).toBe(401);
    const dup = await h.request('/auth/refresh', {
      body: {},
      headers: { cookie: `__Host-sesame_refresh=${other}; __Host-sesame_refresh=${other}` },
    });
    expect(dup.status).toBe(401);
  });
});

describe('logout and session management', () => {
  it('logout revokes that session, clears the cookie, and its access token is refused at once', async () => {
    const s = await h.signIn();
    const res = await h.request('/auth/logout', { body: {}, cookie: s.refreshToken });
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie()[0]).toMatch(
      /^__Host-sesame_refresh=; Path=\/; Max-Age=0; HttpOnly; Secure; SameSite=Strict$/,
    );
    expect((await h.request('/api/me', { token: s.accessToken })).status).toBe(401);
    expect((await refresh(s.refreshToken)).status).toBe(401);
  });

  it('logout-all revokes every session of the user only', async () => {
    const a = await h.signIn('same@example.com');
    const b = await h.signIn('same@example.com');
    const stranger = await h.signIn('other@example.com');
    expect((await h.request('/auth/logout-all', { body: {}, token: a.accessToken })).status).toBe(204);
    expect((await h.request('/api/me', { token: a.accessToken })).status).toBe(401);
    expect((await h.request('/api/me', { token: b.accessToken })).status).toBe(401);
    expect((await refresh(b.refreshToken)).status).toBe(401);
    expect((await h.request('/api/me', { token: stranger.accessToken })).status).toBe(200);
  });

  it('lists live sessions with the current one marked, and deletes one', async () => {
    const a = await h.signIn('list@example.com');
    h.advance(1000);
    const b = await h.signIn('list@example.com');
    const other = await h.signIn('x@example.com');
    const res = await h.request('/auth/sessions', { token: a.accessToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { sessions } = (await res.json()) as {
      sessions: { id: string; current: boolean; userAgent: string; createdAt: string; lastUsedAt: string }[];
    };
    expect(sessions.map((s) => [s.id, s.current])).toEqual([
      [b.session.id, false],
      [a.session.id, true],
    ]);
    expect(sessions[0]).toMatchObject({ userAgent: 'vitest', createdAt: new Date(h.now()).toISOString() });
    // Another user's session is not ours to delete.
    expect(
      (await h.request(`/auth/sessions/${other.session.id}`, { method: 'DELETE', token: a.accessToken })).status,
    ).toBe(404);
    expect((await h.request('/api/me', { token: other.accessToken })).status).toBe(200);
    expect((await h.request(`/auth/sessions/${b.session.id}`, { method: 'DELETE', token: a.accessToken })).status).toBe(
      204,
    );
    expect((await h.request('/api/me', { token: b.accessToken })).status).toBe(401);
    expect((await h.request('/api/me', { token: a.accessToken })).status).toBe(200);
    const audit = h.sqlite.sqlite
      .prepare('SELECT type FROM audit_events ORDER BY id')
      .all()
      .map((r) => (r as { type: string }).type);
    expect(audit).toContain('session.revoked');
  });
});

describe('pruning', () => {
  it('removes dead sessions and their tokens but keeps live ones, and wipes sealed successors after the window', async () => {
    const { pruneExpired } = await import('../src/auth/prune.js');
    const dead = await h.signIn();
    await h.request('/auth/logout', { body: {}, cookie: dead.refreshToken });
    const live = await h.signIn();
    await refresh(live.refreshToken);
    const legacy = await h.signInLegacy();
    await refresh(legacy.refreshToken);
    // Two days on: the logged-out session and the idle-expired ones are past the one-day grace.
    h.advance(2 * 86_400_000);
    const stillLive = await h.signIn();
    const rotated = refreshCookieOf(await refresh(stillLive.refreshToken))!;
    expect(count('refresh_tokens')).toBe(1);
    h.advance(71_000);
    const counts = await pruneExpired(h.deps);
    expect(counts.sessions).toBe(3);
    expect(counts.sessionSuccessors).toBe(1);
    const left = h.sqlite.sqlite.prepare('SELECT id, refresh_prev_sealed FROM sessions').all();
    expect(left).toEqual([{ id: stillLive.session.id, refresh_prev_sealed: null }]);
    expect(count('refresh_tokens')).toBe(0);
    // The previous token is still recognised after its sealed successor is gone: reuse.
    const replay = await refresh(stillLive.refreshToken);
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await refresh(rotated)).status).toBe(401);
  });
});
