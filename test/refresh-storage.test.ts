/**
 * Storage that does not grow with rotations (issue 15): self-describing refresh tokens keep O(1)
 * state per session, and every token a session ever had is still recognised as reuse.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/lib/config.js';
import { openSqlite } from '../src/db/better-sqlite3.js';
import { createNodeDeps } from '../src/entry/node-server.js';
import { rotateRefreshToken } from '../src/auth/sessions/rotation.js';
import { mintRefreshToken } from '../src/auth/sessions/refresh-tokens.js';
import { createHarness, refreshCookieOf, type Harness } from './helpers/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness({ env: { REFRESH_REUSE_WINDOW: '10' } });
});
afterEach(() => h.close());

const code = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;
const refresh = (cookie: string) => h.request('/auth/refresh', { body: {}, cookie });

describe('self-describing refresh tokens', () => {
  it('keep O(1) rows and bytes for 10,000 rotations of one session, and recognise every rotated token as reuse', async () => {
    const db = h.sqlite.sqlite;
    const tables = (
      db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_\\_%' ESCAPE '\\'",
        )
        .all() as { name: string }[]
    ).map((t) => t.name);
    const rows = () =>
      Object.fromEntries(
        tables.map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]),
      );
    const sessionBytes = () =>
      (
        db
          .prepare(
            'SELECT length(refresh_hash) + length(refresh_prev_hash) + length(refresh_prev_sealed) AS n FROM sessions',
          )
          .get() as { n: number }
      ).n;
    const pages = () =>
      (db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number);

    const first = await h.signIn();
    const issued: string[] = [first.refreshToken];
    let token = first.refreshToken;
    let after100: { rows: Record<string, number>; bytes: number; pages: number } | null = null;
    for (let i = 1; i <= 10_000; i++) {
      h.advance(1);
      token = (await rotateRefreshToken(h.deps, token)).refreshToken;
      issued.push(token);
      if (i === 100) after100 = { rows: rows(), bytes: sessionBytes(), pages: pages() };
    }
    expect(token.split('.')[1]).toBe('10000');
    // Nothing was added by rotations 101..10,000: same rows in every table, the same pages, and the
    // same bytes but for the generation's two more digits inside the sealed successor.
    expect(rows()).toEqual(after100!.rows);
    expect(rows().sessions).toBe(1);
    expect(rows().refresh_tokens).toBe(0);
    expect(sessionBytes() - after100!.bytes).toBeGreaterThanOrEqual(0);
    expect(sessionBytes() - after100!.bytes).toBeLessThanOrEqual(4);
    expect(pages()).toBeLessThanOrEqual(after100!.pages);

    // After the window, each of the 10,000 rotated tokens is reuse (the session is restored after each check).
    h.advance(11_000);
    const restore = db.prepare('UPDATE sessions SET revoked_at = NULL, revoked_reason = NULL WHERE id = ?');
    const codes = new Map<string, number>();
    for (const old of issued.slice(0, -1)) {
      const outcome = await rotateRefreshToken(h.deps, old).then(
        () => 'rotated',
        (err: { code?: string }) => err.code ?? String(err),
      );
      codes.set(outcome, (codes.get(outcome) ?? 0) + 1);
      restore.run(first.session.id);
    }
    expect(Object.fromEntries(codes)).toEqual({ REFRESH_TOKEN_REUSED: 10_000 });
    expect(
      (
        db.prepare("SELECT count(*) AS n FROM audit_events WHERE type = 'session.refresh_reuse_detected'").get() as {
          n: number;
        }
      ).n,
    ).toBe(10_000);
    // The current token itself still works.
    expect((await rotateRefreshToken(h.deps, token)).refreshToken.split('.')[1]).toBe('10001');
  }, 120_000);

  it('refuses a forged token of an older generation without revoking the session', async () => {
    const s = await h.signIn();
    const t1 = refreshCookieOf(await refresh(s.refreshToken))!;
    const t2 = refreshCookieOf(await refresh(t1))!;
    h.advance(11_000);
    const [sid, , nonce, tag] = t1.split('.') as [string, string, string, string];
    // Right session and generation, wrong tag; and a tag moved from another token.
    const wrongTag = `${sid}.0.${nonce}.${'A'.repeat(22)}`;
    const movedTag = `${sid}.0.${'B'.repeat(43)}.${tag}`;
    for (const forged of [wrongTag, movedTag]) {
      const res = await refresh(forged);
      expect(res.status).toBe(401);
      expect(await code(res)).toBe('INVALID_TOKEN');
    }
    // A token minted with the right key for a generation the session never reached is not reuse either.
    const ahead = await mintRefreshToken(h.deps, sid, 7);
    expect(await code(await refresh(ahead))).toBe('INVALID_TOKEN');
    // A forged logout signs nobody out.
    expect((await h.request('/auth/logout', { body: {}, cookie: wrongTag })).status).toBe(204);
    expect((await h.request('/api/me', { token: s.accessToken })).status).toBe(200);
    expect(refreshCookieOf(await refresh(t2))).toMatch(new RegExp(`^${sid}\\.3\\.`));
  });

  it('answers a token two rotations old inside the window with 401 but keeps the session and the cookie', async () => {
    const s = await h.signIn();
    const t1 = refreshCookieOf(await refresh(s.refreshToken))!;
    h.advance(2_000);
    const t2 = refreshCookieOf(await refresh(t1))!;
    h.advance(2_000);
    const slow = await refresh(s.refreshToken);
    expect(slow.status).toBe(401);
    expect(await code(slow)).toBe('INVALID_TOKEN');
    // No Set-Cookie: the browser already holds t2 and must keep it.
    expect(slow.headers.getSetCookie()).toEqual([]);
    // t1, one generation back, still gets the current token.
    expect(refreshCookieOf(await refresh(t1))).toBe(t2);
    expect(refreshCookieOf(await refresh(t2))).toMatch(/\.3\./);
    // Later the same old token is reuse.
    h.advance(11_000);
    expect(await code(await refresh(s.refreshToken))).toBe('REFRESH_TOKEN_REUSED');
  });

  it('logs out with any genuine token of the session', async () => {
    const s = await h.signIn();
    const t1 = refreshCookieOf(await refresh(s.refreshToken))!;
    refreshCookieOf(await refresh(t1));
    expect((await h.request('/auth/logout', { body: {}, cookie: s.refreshToken })).status).toBe(204);
    expect((await h.request('/api/me', { token: s.accessToken })).status).toBe(401);
  });
});

describe('sessions from before the change', () => {
  it('survive the migration: the old token rotates once into the new format, and its reuse is still detected', async () => {
    // A database at the last migration before self-describing tokens, written as the old code wrote it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-migrate-'));
    try {
      const oldMigrations = path.join(dir, 'drizzle');
      fs.mkdirSync(path.join(oldMigrations, 'meta'), { recursive: true });
      const journal = JSON.parse(fs.readFileSync('drizzle/meta/_journal.json', 'utf8')) as {
        entries: { tag: string }[];
      };
      const before = journal.entries.findIndex((e) => e.tag === '0006_self_describing_refresh');
      expect(before).toBeGreaterThan(0);
      journal.entries = journal.entries.slice(0, before);
      fs.writeFileSync(path.join(oldMigrations, 'meta/_journal.json'), JSON.stringify(journal));
      for (const e of journal.entries)
        fs.copyFileSync(`drizzle/${e.tag}.sql`, path.join(oldMigrations, `${e.tag}.sql`));
      const file = path.join(dir, 'sesame.db');
      const old = openSqlite({ path: file, migrationsFolder: oldMigrations });
      const now = h.now();
      const legacy =
        'L'.repeat(10) +
        Buffer.from(crypto.getRandomValues(new Uint8Array(24)))
          .toString('base64url')
          .slice(0, 33);
      const hash = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(legacy))).toString(
        'base64url',
      );
      old.sqlite.exec(
        `INSERT INTO users (id, email, email_verified, created_at) VALUES ('u1', 'old@example.com', 1, ${now})`,
      );
      old.sqlite.exec(`INSERT INTO sessions (id, user_id, created_at, last_used_at, idle_expires_at, absolute_expires_at, method, amr)
        VALUES ('oldsession-0000000000', 'u1', ${now}, ${now}, ${now + 3_600_000}, ${now + 86_400_000}, 'email', '["otp"]')`);
      old.sqlite
        .prepare('INSERT INTO refresh_tokens (hash, session_id, created_at) VALUES (?, ?, ?)')
        .run(hash, 'oldsession-0000000000', now);
      old.close();

      let clock = now + 1000;
      const config = parseConfig({ DATABASE_PATH: file, REFRESH_REUSE_WINDOW: '10' });
      const { deps, sqlite } = createNodeDeps({ config, clock: () => clock, logger: { log: () => {} } });
      try {
        const next = await rotateRefreshToken(deps, legacy);
        expect(next.session.id).toBe('oldsession-0000000000');
        expect(next.refreshToken.startsWith('oldsession-0000000000.0.')).toBe(true);
        const after = await rotateRefreshToken(deps, next.refreshToken);
        clock += 11_000;
        await expect(rotateRefreshToken(deps, legacy)).rejects.toMatchObject({ code: 'REFRESH_TOKEN_REUSED' });
        await expect(rotateRefreshToken(deps, after.refreshToken)).rejects.toMatchObject({ code: 'SESSION_REVOKED' });
      } finally {
        sqlite.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
