/**
 * The admin API end to end over HTTP: a real listening server, keys made by the real CLI
 * (`npm run admin:key`), users signed in through the emailed code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftAuthenticator } from './helpers/soft-authenticator.js';
import { startTestServer, type TestServer } from './helpers/node-server.js';

let s: TestServer;
let admin: string;
let reader: string;
let metricsOnly: string;

beforeAll(async () => {
  s = await startTestServer();
  [admin, reader, metricsOnly] = await Promise.all([
    s.createAdminKey('ops'),
    s.createAdminKey('support desk', 'users:read'),
    s.createAdminKey('prometheus', 'metrics:read'),
  ]);
}, 60_000);
afterAll(() => s?.close());

interface AdminUserBody {
  id: string;
  email: string;
  emailVerified: boolean;
  createdAt: string;
  disabled: boolean;
  passkeys: number;
  sessions: number;
  lastSignInAt: string | null;
}
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;
const getUser = async (id: string, token = admin) => s.fetch(`/admin/users/${id}`, { token });
const post = (p: string, token = admin, json: unknown = {}) => s.fetch(p, { method: 'POST', token, json });
const refresh = (cookie: string) =>
  s.fetch('/auth/refresh', { method: 'POST', json: {}, headers: { cookie: `__Host-sesame_refresh=${cookie}` } });

describe('admin keys', () => {
  it('are printed once by the CLI as sak_<id>_<secret>, listed by prefix and name, never stored in plain', async () => {
    expect(admin).toMatch(/^sak_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const { stdout } = await s.cli('admin:key', 'list');
    expect(stdout).toContain(admin.slice(0, 16));
    expect(stdout).toContain('support desk\tusers:read');
    expect(stdout).not.toContain(admin);
    const stored = s.server.sqlite.sqlite.prepare('SELECT * FROM admin_keys').all();
    expect(JSON.stringify(stored)).not.toContain(admin.slice(17));
  });

  it('answers 401 without a key, with a bad or revoked key, or an access token; 403 without the scope', async () => {
    expect((await s.fetch('/admin/users')).status).toBe(401);
    expect((await s.fetch('/admin/users', { headers: { authorization: 'Basic b3BzOm9wcw==' } })).status).toBe(401);
    expect((await s.fetch('/admin/users', { token: `${admin.slice(0, -4)}AAAA` })).status).toBe(401);
    const { accessToken } = await s.signInByEmail('token-holder@example.com');
    const asUser = await s.fetch('/admin/users', { token: accessToken });
    expect(asUser.status).toBe(401);
    expect((await errorOf(asUser)).code).toBe('UNAUTHORIZED');

    const doomed = await s.createAdminKey('doomed');
    expect((await s.fetch('/admin/users', { token: doomed })).status).toBe(200);
    const { stdout } = await s.cli('admin:key', 'revoke', 'doomed');
    expect(stdout).toContain('Revoked admin key "doomed"');
    expect((await s.fetch('/admin/users', { token: doomed })).status).toBe(401);

    const noScope = await s.fetch('/admin/users', { token: metricsOnly });
    expect(noScope.status).toBe(403);
    expect((await errorOf(noScope)).code).toBe('INSUFFICIENT_SCOPE');
    const readerWrites = await post('/admin/users/whoever/disable', reader);
    expect(readerWrites.status).toBe(403);
  });
});

describe('GET /admin/users', () => {
  it('searches any part of the address ignoring case and pages with a cursor, newest first', async () => {
    const emails = [
      'Page-1@Paging.example',
      'page-2@paging.example',
      'page-3@paging.example',
      'page-4@paging.example',
      'page-5@paging.example',
    ];
    for (const email of emails) await s.signInByEmail(email);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await s.fetch(`/admin/users?query=PAGING.EX&limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
        token: reader,
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { users: AdminUserBody[]; nextCursor: string | null };
      expect(body.users.length).toBeLessThanOrEqual(2);
      seen.push(...body.users.map((u) => u.email));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(emails.map((e) => e.toLowerCase()).reverse());
  });

  it('refuses cursors and limits that do not parse, naming them, and caps large limits', async () => {
    for (const [query, field] of [
      ['cursor=nope', 'cursor'],
      ['cursor=eyJ4IjoxfQ', 'cursor'],
      ['limit=0', 'limit'],
      ['limit=ten', 'limit'],
      ['limit=-3', 'limit'],
    ] as const) {
      const res = await s.fetch(`/admin/users?${query}`, { token: reader });
      expect(res.status, query).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.message).toMatch(new RegExp(`^${field}:`));
    }
    expect((await s.fetch('/admin/users?limit=100000', { token: reader })).status).toBe(200);
    expect((await s.fetch(`/admin/users?query=${'x'.repeat(400)}`, { token: reader })).status).toBe(400);
  });
});

describe('one user', () => {
  it('counts passkeys and live sessions and shows the last sign-in; an unknown id is 404 NOT_FOUND', async () => {
    const first = await s.signInByEmail('counted@example.com');
    await s.signInByEmail('counted@example.com');
    const device = new SoftAuthenticator();
    const options = await (
      await s.fetch('/auth/passkeys/register/options', { method: 'POST', token: first.accessToken, json: {} })
    ).json();
    const response = device.createCredential({ options: options as never, origin: s.server.deps.config.publicUrl });
    expect(
      (
        await s.fetch('/auth/passkeys/register/verify', {
          method: 'POST',
          token: first.accessToken,
          json: { response },
        })
      ).status,
    ).toBe(201);

    const res = await getUser(first.userId, reader);
    expect(res.status).toBe(200);
    const { user } = (await res.json()) as { user: AdminUserBody };
    expect(user).toMatchObject({
      id: first.userId,
      email: 'counted@example.com',
      emailVerified: true,
      disabled: false,
      passkeys: 1,
      sessions: 2,
    });
    expect(Date.parse(user.lastSignInAt!)).toBeGreaterThan(Date.parse(user.createdAt) - 1);

    const missing = await getUser('00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe('NOT_FOUND');
  });
});

describe('disable and enable', () => {
  it('kills refresh and access tokens at once; every way in answers 401 ACCOUNT_DISABLED; no sign-in mail', async () => {
    const email = 'disabled@example.com';
    const session = await s.signInByEmail(email);
    expect((await s.fetch('/api/me', { token: session.accessToken })).status).toBe(200);
    // A code asked for before the disable: proving it must not open the account afterwards.
    expect((await s.fetch('/auth/email/start', { method: 'POST', json: { email } })).status).toBe(202);
    const outbox = async () =>
      ((await (await s.fetch('/dev/outbox')).json()) as { messages: { to: string; text: string }[] }).messages.filter(
        (m) => m.to === email,
      );
    const pendingCode = /\b(\d{6})\b/.exec((await outbox())[0]!.text)![1]!;

    const disabled = await post(`/admin/users/${session.userId}/disable`);
    expect(disabled.status).toBe(200);
    expect(((await disabled.json()) as { user: AdminUserBody }).user).toMatchObject({ disabled: true, sessions: 0 });

    const me = await s.fetch('/api/me', { token: session.accessToken });
    expect(me.status).toBe(401);
    expect((await errorOf(me)).code).toBe('ACCOUNT_DISABLED');
    const refreshed = await refresh(session.refresh);
    expect(refreshed.status).toBe(401);
    expect((await errorOf(refreshed)).code).toBe('ACCOUNT_DISABLED');
    const byCode = await s.fetch('/auth/email/verify', { method: 'POST', json: { email, code: pendingCode } });
    expect(byCode.status).toBe(401);
    expect((await errorOf(byCode)).code).toBe('ACCOUNT_DISABLED');

    const mails = (await outbox()).length;
    expect((await s.fetch('/auth/email/start', { method: 'POST', json: { email } })).status).toBe(202);
    expect((await outbox()).length).toBe(mails);

    const enabled = await post(`/admin/users/${session.userId}/enable`);
    expect(((await enabled.json()) as { user: AdminUserBody }).user.disabled).toBe(false);
    const again = await s.signInByEmail(email);
    expect(again.status).toBe(200);
    expect((await s.fetch('/api/me', { token: again.accessToken })).status).toBe(200);
  });

  it('refuses a passkey sign-in of a disabled account', async () => {
    const session = await s.signInByEmail('passkey-disabled@example.com');
    const device = new SoftAuthenticator();
    const origin = s.server.deps.config.publicUrl;
    const options = await (
      await s.fetch('/auth/passkeys/register/options', { method: 'POST', token: session.accessToken, json: {} })
    ).json();
    const response = device.createCredential({ options: options as never, origin });
    expect(
      (
        await s.fetch('/auth/passkeys/register/verify', {
          method: 'POST',
          token: session.accessToken,
          json: { response },
        })
      ).status,
    ).toBe(201);
    expect((await post(`/admin/users/${session.userId}/disable`)).status).toBe(200);
    const loginOptions = await (await s.fetch('/auth/passkeys/login/options', { method: 'POST', json: {} })).json();
    const assertion = device.getAssertion({ options: loginOptions as never, origin });
    const res = await s.fetch('/auth/passkeys/login/verify', { method: 'POST', json: { response: assertion } });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('ACCOUNT_DISABLED');
    expect(
      s.server.sqlite.sqlite
        .prepare('SELECT count(*) AS n FROM sessions WHERE user_id = ? AND revoked_at IS NULL')
        .get(session.userId),
    ).toEqual({ n: 0 });
  });
});

describe('revoke sessions and delete', () => {
  it('signs a user out everywhere, then deletes the account with its passkeys and sessions', async () => {
    const a = await s.signInByEmail('leaving@example.com');
    const b = await s.signInByEmail('leaving@example.com');
    const revoked = await s.fetch(`/admin/users/${a.userId}/sessions`, { method: 'DELETE', token: admin });
    expect(await revoked.json()).toEqual({ revoked: 2 });
    expect((await refresh(b.refresh)).status).toBe(401);
    expect((await s.fetch('/api/me', { token: a.accessToken })).status).toBe(401);

    const c = await s.signInByEmail('leaving@example.com');
    expect((await s.fetch(`/admin/users/${a.userId}`, { method: 'DELETE', token: reader })).status).toBe(403);
    expect((await s.fetch(`/admin/users/${a.userId}`, { method: 'DELETE', token: admin })).status).toBe(204);
    expect((await getUser(a.userId)).status).toBe(404);
    expect((await s.fetch('/api/me', { token: c.accessToken })).status).toBe(401);
    expect((await refresh(c.refresh)).status).toBe(401);
    expect((await s.fetch(`/admin/users/${a.userId}`, { method: 'DELETE', token: admin })).status).toBe(404);
    const left = s.server.sqlite.sqlite
      .prepare(
        'SELECT (SELECT count(*) FROM sessions WHERE user_id = ?) AS sessions, (SELECT count(*) FROM email_tokens WHERE email = ?) AS links',
      )
      .get(a.userId, 'leaving@example.com');
    expect(left).toEqual({ sessions: 0, links: 0 });
  });
});

describe('GET /admin/audit', () => {
  it('records every admin action with the key name, filters by user and type, pages by cursor', async () => {
    const session = await s.signInByEmail('audited@example.com');
    await post(`/admin/users/${session.userId}/disable`);
    await post(`/admin/users/${session.userId}/enable`);
    await s.fetch(`/admin/users/${session.userId}/sessions`, { method: 'DELETE', token: admin });

    const res = await s.fetch(`/admin/audit?userId=${session.userId}&type=admin.*`, { token: reader });
    expect(res.status).toBe(200);
    const { events } = (await res.json()) as {
      events: { id: string; type: string; at: string; userId: string; detail?: { keyName?: string } }[];
    };
    expect(events.map((e) => e.type)).toEqual(['admin.sessions_revoked', 'admin.user_enabled', 'admin.user_disabled']);
    for (const e of events) expect(e).toMatchObject({ userId: session.userId, detail: { keyName: 'ops' } });
    expect(new Date(events[0]!.at).toISOString()).toBe(events[0]!.at);

    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await (
        await s.fetch(`/admin/audit?userId=${session.userId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
          token: reader,
        })
      ).json()) as {
        events: { id: string; type: string }[];
        nextCursor: string | null;
      };
      all.push(...page.events.map((e) => e.type));
      cursor = page.nextCursor;
    } while (cursor);
    expect(all.slice(0, 3)).toEqual(['admin.sessions_revoked', 'admin.user_enabled', 'admin.user_disabled']);
    expect(all).toContain('session.started');
    expect(all).toContain('account.created');

    const started = (await (await s.fetch(`/admin/audit?type=session.started&limit=5`, { token: reader })).json()) as {
      events: { type: string }[];
    };
    expect(started.events.length).toBe(5);
    expect(new Set(started.events.map((e) => e.type))).toEqual(new Set(['session.started']));
    for (const bad of ['type=DROP TABLE', 'cursor=%%%', 'limit=1.5'])
      expect((await s.fetch(`/admin/audit?${bad}`, { token: reader })).status, bad).toBe(400);
  });
});

describe('POST /admin/bootstrap', () => {
  it('is off (404) without ADMIN_BOOTSTRAP_SECRET', async () => {
    expect((await s.fetch('/admin/bootstrap', { method: 'POST', json: { name: 'x' } })).status).toBe(404);
  });
});
