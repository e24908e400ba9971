/**
 * The sign-in writes on a real SQLite file and a real D1 (workerd via miniflare): a sign-in's
 * statements (the caller's passkey counter update or link consume, the session, the audit rows)
 * and a re-authentication's are one batch of statements prepared once per database. The second
 * sign-in of a shape builds no SQL, each call binds its own values, and the batch is all or nothing.
 */
import { eq, sql } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bothDrivers } from '../../test/helpers/both-drivers.js';
import type { Db } from '../db/db.js';
import { auditEvents, passkeys, sessions, users } from '../db/schema.js';
import { buildDeps, type Deps } from '../http/deps.js';
import { parseConfig } from '../lib/config.js';
import { newUser } from './account/users.js';
import { issueMagicLink } from './email/magic-links.js';
import { verifyEmailLink } from './email/email-sign-in.js';
import type { UserRow } from './account/users.js';
import { counterTaken, passkeyUseStep } from './passkeys/sign-in.js';
import { reauthenticateSession, requireLiveSession } from './sessions/presence.js';
import { startSession } from './sessions/sessions.js';

/** The Db with every drizzle query builder counted: a statement prepared once is built once. */
function countingBuilders(db: Db): { db: Db; built: () => number } {
  let built = 0;
  const builders = new Set<PropertyKey>(['select', 'insert', 'update', 'delete']);
  const orm = new Proxy(db.orm, {
    get(target, key, receiver) {
      if (builders.has(key)) built++;
      return Reflect.get(target, key, receiver);
    },
  });
  return { db: { ...db, orm } as Db, built: () => built };
}

const T0 = Date.UTC(2026, 0, 15, 12);

describe.each(bothDrivers())('sign-in writes on %s', (_name, dbOf) => {
  let base: Db;
  let db: Db;
  let built: () => number;
  let deps: Deps;
  let now = T0;

  beforeAll(() => {
    base = dbOf();
    ({ db, built } = countingBuilders(base));
    const config = parseConfig({ DATABASE_PATH: ':memory:' });
    // Keys and secrets read the uncounted handle: only the sign-in's own statements are counted.
    deps = {
      ...buildDeps({ config, db: base, logger: { log: () => {} }, clock: () => now, socketAddress: () => undefined }),
      db,
    };
  });
  afterEach(async () => {
    await base.orm.run(sql`DROP TRIGGER IF EXISTS fail_audit`);
  });

  async function account(email: string): Promise<UserRow> {
    const user = newUser({ email, emailVerified: true, now });
    await base.orm.insert(users).values(user);
    return user;
  }

  async function passkeyOf(user: UserRow, id: string, counter: number) {
    await base.orm.insert(passkeys).values({
      id,
      userId: user.id,
      name: 'key',
      publicKey: 'pk',
      counter,
      backupEligible: true,
      backedUp: false,
      deviceType: 'multiDevice',
      aaguid: '00000000-0000-0000-0000-000000000000',
      createdAt: now,
    });
  }

  const passkeySignIn = (user: UserRow, id: string, read: number, next: number, userAgent = 'test') =>
    startSession(deps, {
      user,
      method: 'passkey',
      amr: ['hwk'],
      context: { userAgent, clientAddress: '192.0.2.1' },
      before: [
        passkeyUseStep(db, {
          id,
          userId: user.id,
          readCounter: read,
          backupEligible: true,
          counter: next,
          backedUp: true,
          now,
        }),
      ],
      guard: counterTaken,
    });

  it('builds a passkey sign-in once: the second builds no SQL and writes its own values', async () => {
    const [a, b] = [await account('a@example.com'), await account('b@example.com')];
    await passkeyOf(a, 'pk-a', 1);
    await passkeyOf(b, 'pk-b', 10);
    now += 1000;
    const firstAt = now;
    const first = await passkeySignIn(a, 'pk-a', 1, 2);
    const afterFirst = built();
    expect(afterFirst).toBeGreaterThan(0);
    now += 1000;
    const second = await passkeySignIn(b, 'pk-b', 10, 11);
    expect(built()).toBe(afterFirst);

    expect(first?.session.userId).toBe(a.id);
    expect(second?.session.userId).toBe(b.id);
    const stored = await base.orm
      .select({ id: sessions.id, userId: sessions.userId, createdAt: sessions.createdAt, amr: sessions.amr })
      .from(sessions);
    expect(stored).toEqual(
      expect.arrayContaining([
        { id: first!.session.id, userId: a.id, createdAt: firstAt, amr: '["hwk"]' },
        { id: second!.session.id, userId: b.id, createdAt: firstAt + 1000, amr: '["hwk"]' },
      ]),
    );
    const keys = await base.orm
      .select({
        id: passkeys.id,
        counter: passkeys.counter,
        backedUp: passkeys.backedUp,
        lastUsedAt: passkeys.lastUsedAt,
      })
      .from(passkeys);
    expect(keys).toEqual(
      expect.arrayContaining([
        { id: 'pk-a', counter: 2, backedUp: true, lastUsedAt: firstAt },
        { id: 'pk-b', counter: 11, backedUp: true, lastUsedAt: firstAt + 1000 },
      ]),
    );
    const audit = await base.orm
      .select({ userId: auditEvents.userId, sessionId: auditEvents.sessionId })
      .from(auditEvents)
      .where(eq(auditEvents.type, 'session.started'));
    expect(audit).toEqual(
      expect.arrayContaining([
        { userId: a.id, sessionId: first!.session.id },
        { userId: b.id, sessionId: second!.session.id },
      ]),
    );
  });

  it('writes no session when the counter it read was taken meanwhile (the guard), and nothing at all when a later statement fails', async () => {
    const user = await account('c@example.com');
    await passkeyOf(user, 'pk-c', 5);
    const count = async () =>
      (await base.orm.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, user.id))).length;
    // A parallel assertion moved the counter past the value this one read: no session.
    expect(await passkeySignIn(user, 'pk-c', 4, 6)).toBeNull();
    expect(await count()).toBe(0);
    // The batch's last statement (the audit row) fails: the counter update and the session roll back with it.
    await base.orm.run(
      sql.raw(
        `CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events WHEN NEW.user_agent = 'fail' BEGIN SELECT RAISE(ABORT, 'injected'); END`,
      ),
    );
    await expect(passkeySignIn(user, 'pk-c', 5, 6, 'fail')).rejects.toThrow();
    expect(await count()).toBe(0);
    expect(
      (await base.orm.select({ counter: passkeys.counter }).from(passkeys).where(eq(passkeys.id, 'pk-c')))[0]!.counter,
    ).toBe(5);
    // The same statements, cached, work once the failure is gone.
    await base.orm.run(sql`DROP TRIGGER fail_audit`);
    expect((await passkeySignIn(user, 'pk-c', 5, 6))?.session.userId).toBe(user.id);
    expect(await count()).toBe(1);
  });

  it('re-authenticates through one prepared update: each renews its own session and moves its generation', async () => {
    const user = await account('d@example.com');
    const signedIn = (await startSession(deps, { user, method: 'email', amr: ['otp'] }))!;
    const auth = await requireLiveSession(deps, { sub: user.id, sid: signedIn.session.id } as never);
    now += 5000;
    const firstAt = now;
    const first = (await reauthenticateSession(deps, { auth, amr: ['hwk'] }))!;
    const afterFirst = built();
    now += 5000;
    const again = await requireLiveSession(deps, { sub: user.id, sid: signedIn.session.id } as never);
    const second = (await reauthenticateSession(deps, { auth: again, amr: ['otp'] }))!;
    expect(built()).toBe(afterFirst);
    expect(first.session).toMatchObject({
      id: signedIn.session.id,
      refreshGen: 1,
      refreshPrevHash: signedIn.session.refreshHash,
      reauthenticatedAt: firstAt,
    });
    expect(second.session).toMatchObject({
      id: signedIn.session.id,
      refreshGen: 2,
      refreshPrevHash: first.session.refreshHash,
      refreshPrevAt: first.session.refreshAt,
      reauthenticatedAt: firstAt + 5000,
      amr: '["otp"]',
    });
    // A stale read (generation 1, now 2) renews nothing.
    expect(await reauthenticateSession(deps, { auth: again, amr: ['otp'] })).toBeNull();
    const audit = await base.orm
      .select({ at: auditEvents.at })
      .from(auditEvents)
      .where(eq(auditEvents.type, 'session.reauthenticated'));
    expect(audit.map((r) => r.at).sort()).toEqual([first.session.reauthenticatedAt, second.session.reauthenticatedAt]);
  });

  it('signs in by link through prepared statements: a new account, then another, building no SQL the second time; a used link writes nothing', async () => {
    const link = async (email: string) => {
      const issued = await issueMagicLink(deps, { email: email as never, purpose: 'sign_in', now });
      await base.batch(issued.statements as never);
      return issued.token;
    };
    const [one, two] = [await link('new1@example.com'), await link('new2@example.com')];
    const first = await verifyEmailLink(deps, { token: one });
    const afterFirst = built();
    const second = await verifyEmailLink(deps, { token: two });
    expect(built()).toBe(afterFirst);
    expect([first.created, second.created]).toEqual([true, true]);
    expect(first.issued.user.email).toBe('new1@example.com');
    expect(second.issued.user.email).toBe('new2@example.com');
    const before = await base.orm.select({ id: sessions.id }).from(sessions);
    await expect(verifyEmailLink(deps, { token: one })).rejects.toMatchObject({ code: 'INVALID_LINK' });
    expect(await base.orm.select({ id: sessions.id }).from(sessions)).toEqual(before);
    const created = await base.orm
      .select({ userId: auditEvents.userId })
      .from(auditEvents)
      .where(eq(auditEvents.type, 'account.created'));
    expect(created.map((r) => r.userId).sort()).toEqual([first.issued.user.id, second.issued.user.id].sort());
  });
});
