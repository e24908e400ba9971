/**
 * Verify-first accounts (issue 11, item 1): an account exists only once its address is proved,
 * passkeys are added by the signed-in person, and nothing a person had is lost: not to a
 * confirmation opened on another device, not to a sign-in by code after a passkey was added, not
 * to the upgrade of a database made before (migration 0003, tested from the schema just before it, 0002).
 * Also: re-authentication in place (item 2) and the `email` / `email_verified` claims.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { openSqlite } from '../src/db/better-sqlite3.js';
import { createHarness, refreshCookieOf, type Harness } from './helpers/harness.js';
import { extractLinkAndCode } from './helpers/smtp-capture.js';
import { SoftAuthenticator } from './helpers/soft-authenticator.js';

let h: Harness;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  await h?.close();
  for (const c of cleanups.splice(0)) await c();
});

interface SessionBody {
  accessToken: string;
  user: { id: string; email: string; emailVerified: boolean };
}

const rows = <T = Record<string, unknown>>(q: string, ...args: unknown[]) =>
  h.sqlite.sqlite.prepare(q).all(...args) as T[];
const origin = () => h.config.publicUrl;

/** Asks for a message and reads its link token and code from the development outbox. */
async function mailFor(email: string) {
  expect((await h.request('/auth/email/start', { body: { email } })).status).toBe(202);
  const { messages } = (await (await h.request('/dev/outbox')).json()) as { messages: { to: string; text: string }[] };
  return extractLinkAndCode(messages.find((m) => m.to === email)!.text);
}

async function proveByCode(email: string, token?: string) {
  const { code } = await mailFor(email);
  const res = await h.request('/auth/email/verify', { body: { email, code }, token });
  return { res, body: (await res.json()) as SessionBody };
}

async function addPasskey(accessToken: string, device = new SoftAuthenticator()) {
  const o = await h.request('/auth/passkeys/register/options', { body: {}, token: accessToken });
  expect(o.status).toBe(200);
  const response = device.createCredential({
    options: (await o.json()) as PublicKeyCredentialCreationOptionsJSON,
    origin: origin(),
  });
  const res = await h.request('/auth/passkeys/register/verify', { body: { response }, token: accessToken });
  expect(res.status).toBe(201);
  return { device, id: response.id };
}

async function passkeySignIn(device: SoftAuthenticator, token?: string) {
  const o = await h.request('/auth/passkeys/login/options', { body: {} });
  const response = device.getAssertion({
    options: (await o.json()) as PublicKeyCredentialRequestOptionsJSON,
    origin: origin(),
  });
  return h.request('/auth/passkeys/login/verify', { body: { response }, token });
}

const passkeysOf = async (token: string) =>
  ((await (await h.request('/auth/passkeys', { token })).json()) as { passkeys: { id: string }[] }).passkeys;

describe('verify-first sign-up', () => {
  it('makes the account with the first proof (201, verified), then a passkey is added in the same session', async () => {
    h = await createHarness();
    expect((await h.request('/auth/passkeys/register/options', { body: {} })).status).toBe(401);
    const { res, body } = await proveByCode('new@example.com');
    expect(res.status).toBe(201);
    expect(body.user).toMatchObject({ email: 'new@example.com', emailVerified: true });
    const { id } = await addPasskey(body.accessToken);
    expect((await passkeysOf(body.accessToken)).map((p) => p.id)).toEqual([id]);
    expect(rows('SELECT count(*) AS n FROM sessions')).toEqual([{ n: 1 }]);
  });

  it('never loses the person: passkey on the laptop, then a code confirmed on a phone, is one account with its passkey', async () => {
    h = await createHarness();
    const laptop = await proveByCode('ada@example.com');
    const { device } = await addPasskey(laptop.body.accessToken);
    // The phone (no Bearer) proves the address again later.
    const phone = await proveByCode('ada@example.com');
    expect(phone.res.status).toBe(200);
    expect(phone.body.user.id).toBe(laptop.body.user.id);
    // The laptop is still signed in, and its passkey still opens the same account.
    expect((await h.request('/api/me', { token: laptop.body.accessToken })).status).toBe(200);
    const again = await passkeySignIn(device);
    expect(again.status).toBe(200);
    expect(((await again.json()) as SessionBody).user.id).toBe(laptop.body.user.id);
    // And a sign-in by code lists the passkey ("No passkeys yet" was the old bug).
    expect(await passkeysOf(phone.body.accessToken)).toHaveLength(1);
  });

  it('puts email and email_verified into every access token, refreshed ones too', async () => {
    h = await createHarness();
    const { res, body } = await proveByCode('claims@example.com');
    expect(decodeJwt(body.accessToken)).toMatchObject({
      sub: body.user.id,
      email: 'claims@example.com',
      email_verified: true,
    });
    const refreshed = await h.request('/auth/refresh', { body: {}, cookie: refreshCookieOf(res)! });
    expect(decodeJwt(((await refreshed.json()) as SessionBody).accessToken)).toMatchObject({
      email: 'claims@example.com',
      email_verified: true,
    });
  });
});

describe('re-authentication in place', () => {
  it('a passkey assertion with the session’s own Bearer renews that session (same sid), so REAUTH_REQUIRED clears', async () => {
    h = await createHarness();
    const { body } = await proveByCode('re@example.com');
    const { device } = await addPasskey(body.accessToken);
    h.advance(h.config.reauthWindow * 1000 + 1);
    const blocked = await h.request('/auth/passkeys/register/options', { body: {}, token: body.accessToken });
    expect(blocked.status).toBe(401);
    expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe('REAUTH_REQUIRED');
    const sessionsBefore = rows('SELECT id FROM sessions');

    const res = await passkeySignIn(device, body.accessToken);
    expect(res.status).toBe(200);
    expect(refreshCookieOf(res)).toMatch(/^[A-Za-z0-9_-]{22}\.[0-9]+\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{22}$/);
    const renewed = (await res.json()) as SessionBody;
    expect(decodeJwt(renewed.accessToken).sid).toBe(decodeJwt(body.accessToken).sid);
    expect(decodeJwt(renewed.accessToken).amr).toEqual(['hwk', 'user']);
    expect(rows('SELECT id FROM sessions')).toEqual(sessionsBefore);
    expect(rows('SELECT reauthenticated_at FROM sessions')).toEqual([{ reauthenticated_at: h.now() }]);
    expect(rows("SELECT count(*) AS n FROM audit_events WHERE type = 'session.reauthenticated'")).toEqual([{ n: 1 }]);
    // The action is allowed again, with the old token as with the new one (the session moved, not the token).
    expect((await h.request('/auth/passkeys/register/options', { body: {}, token: body.accessToken })).status).toBe(
      200,
    );
    expect((await h.request('/auth/passkeys/register/options', { body: {}, token: renewed.accessToken })).status).toBe(
      200,
    );
    // Never a sign-out: the old cookie and the new one both refresh the same session.
    const viaNew = await h.request('/auth/refresh', { body: {}, cookie: refreshCookieOf(res)! });
    expect(viaNew.status).toBe(200);
    expect(decodeJwt(((await viaNew.json()) as SessionBody).accessToken).sid).toBe(decodeJwt(body.accessToken).sid);
  });

  it('an emailed code proved with the session’s own Bearer renews that session too (200, same sid)', async () => {
    h = await createHarness();
    const { body } = await proveByCode('code-re@example.com');
    h.advance(h.config.reauthWindow * 1000 + 1);
    const again = await proveByCode('code-re@example.com', body.accessToken);
    expect(again.res.status).toBe(200);
    expect(decodeJwt(again.body.accessToken).sid).toBe(decodeJwt(body.accessToken).sid);
    expect(rows('SELECT count(*) AS n FROM sessions')).toEqual([{ n: 1 }]);
    expect((await h.request('/auth/passkeys/register/options', { body: {}, token: body.accessToken })).status).toBe(
      200,
    );
  });

  it('another person’s passkey on a signed-in device is their own sign-in, not a re-authentication of this session', async () => {
    h = await createHarness();
    const ada = await proveByCode('ada@example.com');
    const bo = await proveByCode('bo@example.com');
    const { device } = await addPasskey(bo.body.accessToken);
    const res = await passkeySignIn(device, ada.body.accessToken);
    expect(res.status).toBe(200);
    const signedIn = (await res.json()) as SessionBody;
    expect(signedIn.user.id).toBe(bo.body.user.id);
    expect(decodeJwt(signedIn.accessToken).sid).not.toBe(decodeJwt(ada.body.accessToken).sid);
    expect(rows('SELECT reauthenticated_at FROM sessions WHERE reauthenticated_at IS NOT NULL')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

/** A database file at migration 0002 (the schema before verify-first), to be filled the way that version filled it. */
function databaseBeforeVerifyFirst(dir: string) {
  const migrations = path.join(dir, 'drizzle-0002');
  fs.mkdirSync(path.join(migrations, 'meta'), { recursive: true });
  const real = path.resolve(import.meta.dirname, '../drizzle');
  const journal = JSON.parse(fs.readFileSync(path.join(real, 'meta/_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  const before = journal.entries.findIndex((e) => e.tag === '0003_verify_first');
  journal.entries = journal.entries.slice(0, before);
  expect(journal.entries.map((e) => e.tag)).toEqual([
    '0000_init',
    '0001_email_token_consumer',
    '0002_email_token_return_to',
  ]);
  for (const e of journal.entries)
    fs.copyFileSync(path.join(real, `${e.tag}.sql`), path.join(migrations, `${e.tag}.sql`));
  fs.writeFileSync(path.join(migrations, 'meta/_journal.json'), JSON.stringify(journal));
  const file = path.join(dir, 'old.db');
  const old = openSqlite({ path: file, migrationsFolder: migrations });
  return { file, sqlite: old.sqlite, close: () => old.close() };
}

describe('migration 0003 from a database of the previous schema', () => {
  it('keeps every account, passkey and session; releases an unverified account’s address; the person keeps signing in', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-migrate-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const old = databaseBeforeVerifyFirst(dir);
    const now = Date.UTC(2026, 0, 15, 12, 0, 0);
    const sha = (t: string) => createHash('sha256').update(t).digest('base64url');

    // A verified account and an unverified one (a passkey sign-up of the old model), each with a passkey and a live session.
    const devices = { verified: new SoftAuthenticator(), unverified: new SoftAuthenticator() };
    const ids = { verified: crypto.randomUUID(), unverified: crypto.randomUUID() };
    const emails = { verified: 'kept@example.com', unverified: 'squatted@example.com' };
    const cookies = { verified: 'v'.repeat(43), unverified: 'u'.repeat(43) };
    for (const who of ['verified', 'unverified'] as const) {
      old.sqlite
        .prepare('INSERT INTO users (id, email, email_verified, created_at) VALUES (?, ?, ?, ?)')
        .run(ids[who], emails[who], who === 'verified' ? 1 : 0, now);
      const options = {
        challenge: 'AAAA',
        rp: { id: 'localhost', name: 'Sesame' },
        user: { id: Buffer.from(ids[who]).toString('base64url'), name: emails[who], displayName: emails[who] },
        pubKeyCredParams: [{ alg: -7, type: 'public-key' as const }],
      };
      const response = devices[who].createCredential({ options, origin: 'http://localhost:3000' });
      old.sqlite
        .prepare(
          `INSERT INTO passkeys (id, user_id, name, public_key, counter, transports, backup_eligible, backed_up, device_type, aaguid, created_at)
           VALUES (?, ?, 'Old laptop', ?, 0, '["internal"]', 0, 0, 'singleDevice', '00000000-0000-0000-0000-000000000000', ?)`,
        )
        .run(response.id, ids[who], Buffer.from(devices[who].credentials[0]!.publicKey).toString('base64url'), now);
      const sid = `sid-${who}`;
      old.sqlite
        .prepare(
          `INSERT INTO sessions (id, user_id, created_at, last_used_at, idle_expires_at, absolute_expires_at, method, amr)
           VALUES (?, ?, ?, ?, ?, ?, 'passkey', '["hwk","user"]')`,
        )
        .run(sid, ids[who], now, now, now + 86_400_000, now + 30 * 86_400_000);
      old.sqlite
        .prepare('INSERT INTO refresh_tokens (hash, session_id, created_at) VALUES (?, ?, ?)')
        .run(sha(cookies[who]), sid, now);
    }
    // The confirmation the old model mailed after the passkey sign-up, still live; and a pending sign-up challenge.
    old.sqlite
      .prepare(
        `INSERT INTO email_tokens (id, email, token_hash, code_hash, purpose, user_id, created_at, expires_at) VALUES ('conf', ?, 'th', 'ch', 'confirm', ?, ?, ?)`,
      )
      .run(emails.unverified, ids.unverified, now, now + 600_000);
    old.sqlite
      .prepare(
        `INSERT INTO webauthn_challenges (hash, ceremony, user_id, email, pending_user_id, created_at, expires_at) VALUES ('c', 'registration', NULL, 'x@example.com', 'p', ?, ?)`,
      )
      .run(now, now + 300_000);
    old.close();

    // Start today's service on that file: migration 0003 runs.
    h = await createHarness({ env: { DATABASE_PATH: old.file }, start: now + 60_000 });
    expect(rows('SELECT id, email, email_verified FROM users ORDER BY email_verified DESC')).toEqual([
      { id: ids.verified, email: emails.verified, email_verified: 1 },
      { id: ids.unverified, email: `${ids.unverified}@unverified.invalid`, email_verified: 0 },
    ]);
    expect(rows('SELECT count(*) AS n FROM passkeys')).toEqual([{ n: 2 }]);
    expect(rows('SELECT id, revoked_at, reauthenticated_at FROM sessions ORDER BY id')).toEqual([
      { id: 'sid-unverified', revoked_at: null, reauthenticated_at: null },
      { id: 'sid-verified', revoked_at: null, reauthenticated_at: null },
    ]);
    // The released address is kept in the audit log; the old confirmation is dead; challenges lost their sign-up columns.
    const [released] = rows<{ user_id: string; detail: string }>(
      "SELECT user_id, detail FROM audit_events WHERE type = 'account.address_released'",
    );
    expect(released).toEqual({ user_id: ids.unverified, detail: JSON.stringify({ previousEmail: emails.unverified }) });
    expect(rows("SELECT consumed_at IS NOT NULL AS dead FROM email_tokens WHERE id = 'conf'")).toEqual([{ dead: 1 }]);
    expect(Object.keys(rows('SELECT * FROM webauthn_challenges')[0]!).sort()).toEqual([
      'ceremony',
      'created_at',
      'expires_at',
      'hash',
      'user_id',
    ]);

    // Both old sessions refresh, both passkeys sign in to their own accounts.
    for (const who of ['verified', 'unverified'] as const) {
      const refreshed = await h.request('/auth/refresh', { body: {}, cookie: cookies[who] });
      expect(refreshed.status, who).toBe(200);
      const signedIn = await passkeySignIn(devices[who]);
      expect(signedIn.status, who).toBe(200);
      expect(((await signedIn.json()) as SessionBody).user.id).toBe(ids[who]);
    }
    const legacy = (await (await passkeySignIn(devices.unverified)).json()) as SessionBody;
    expect(legacy.user).toEqual({
      id: ids.unverified,
      email: `${ids.unverified}@unverified.invalid`,
      emailVerified: false,
    });
    expect(decodeJwt(legacy.accessToken)).toMatchObject({ email_verified: false });
    // Its passkeys are its only way in (no address receives its mail): the last one is kept (409) until
    // an address is proved; a second one may go, and then the last one again may not.
    const [only] = await passkeysOf(legacy.accessToken);
    const refused = await h.request(`/auth/passkeys/${only!.id}`, { method: 'DELETE', token: legacy.accessToken });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('LAST_PASSKEY');
    const second = await addPasskey(legacy.accessToken);
    expect(
      (await h.request(`/auth/passkeys/${only!.id}`, { method: 'DELETE', token: legacy.accessToken })).status,
    ).toBe(204);
    expect(
      (await h.request(`/auth/passkeys/${second.id}`, { method: 'DELETE', token: legacy.accessToken })).status,
    ).toBe(409);
    expect((await passkeysOf(legacy.accessToken)).map((p) => p.id)).toEqual([second.id]);

    // The owner of the released address signs up with it: a new account of their own, which the old passkey never opens.
    const owner = await proveByCode(emails.unverified);
    expect(owner.res.status).toBe(201);
    expect(owner.body.user.id).not.toBe(ids.unverified);
    expect(await passkeysOf(owner.body.accessToken)).toEqual([]);
    // The verified account signs in by code as before, with its passkey.
    const kept = await proveByCode(emails.verified);
    expect(kept.res.status).toBe(200);
    expect(kept.body.user.id).toBe(ids.verified);
    expect(await passkeysOf(kept.body.accessToken)).toHaveLength(1);
  });
});
