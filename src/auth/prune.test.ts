/**
 * pruneExpired on a real SQLite file and a real D1: every table it keeps bounded loses exactly its
 * dead rows and keeps the live ones, and a backlog larger than one slice is cleared in one call.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { bothDrivers } from '../../test/helpers/both-drivers.js';
import { parseConfig } from '../lib/config.js';
import type { Db } from '../db/db.js';
import {
  auditEvents,
  codeFailures,
  dbscChallenges,
  emailTokens,
  mailQueue,
  rateLimits,
  refreshTokens,
  sessions,
  users,
  webauthnChallenges,
  webhookEvents,
} from '../db/schema.js';
import { CODE_FAILURE_WINDOW_MS, CODE_LOCK_RETENTION_MS } from './email/code-budget.js';
import { pruneExpired, sessionWalkDue } from './prune.js';

const DAY = 86_400_000;
const NOW = 1_000 * DAY;
const config = parseConfig({});

const drivers = bothDrivers();
const ids = async <T extends { [k: string]: unknown }>(rows: Promise<T[]>, key: keyof T) =>
  (await rows).map((r) => r[key]).sort();

const session = (id: string, over: Partial<typeof sessions.$inferInsert> = {}) => ({
  id,
  userId: 'u1',
  createdAt: NOW - 40 * DAY,
  lastUsedAt: NOW,
  idleExpiresAt: NOW + DAY,
  absoluteExpiresAt: NOW + DAY,
  method: 'email',
  amr: '["otp"]',
  ...over,
});

async function seed(db: Db) {
  const reuseWindowEnd = NOW - config.refreshReuseWindow * 1000 - 60_000;
  await db.orm.insert(users).values({ id: 'u1', email: 'a@example.com', emailVerified: true, createdAt: 0 });
  await db.orm
    .insert(sessions)
    .values([
      session('live'),
      session('idle-dead', { idleExpiresAt: NOW - 2 * DAY }),
      session('revoked-yesterday', { revokedAt: NOW - 2 * DAY }),
      session('revoked-now', { revokedAt: NOW - 1000 }),
      session('sealed-old', { refreshPrevSealed: 'box', refreshAt: reuseWindowEnd - 1 }),
      session('sealed-new', { refreshPrevSealed: 'box', refreshAt: NOW }),
    ]);
  await db.orm.insert(refreshTokens).values([
    { hash: 'h-dead', sessionId: 'idle-dead', createdAt: 0 },
    { hash: 'h-old', sessionId: 'live', createdAt: 0, rotatedAt: reuseWindowEnd - 1, successorSealed: 'box' },
    { hash: 'h-new', sessionId: 'live', createdAt: 0, rotatedAt: NOW, successorSealed: 'box' },
  ]);
  await db.orm.insert(auditEvents).values([
    { at: NOW - config.auditRetention * 1000 - 1, type: 'session.started' },
    { at: NOW, type: 'session.started' },
  ]);
  await db.orm.insert(rateLimits).values([
    { key: 'spent', tat: NOW - 1, allowed: true },
    { key: 'holding', tat: NOW + 1000, allowed: true },
  ]);
  const token = (id: string, expiresAt: number) => ({
    id,
    email: 'a@example.com',
    tokenHash: id,
    codeHash: id,
    createdAt: 0,
    expiresAt,
  });
  await db.orm
    .insert(emailTokens)
    .values([token('t-dead', NOW - 2 * DAY), token('t-expired-now', NOW - 1000), token('t-live', NOW + 1000)]);
  await db.orm.insert(codeFailures).values([
    { mailbox: 'm', kind: 'failure', at: NOW - CODE_FAILURE_WINDOW_MS - 1 },
    { mailbox: 'm', kind: 'failure', at: NOW },
    { mailbox: 'm', kind: 'lock', at: NOW - CODE_FAILURE_WINDOW_MS - 1 },
    { mailbox: 'n', kind: 'lock', at: NOW - CODE_LOCK_RETENTION_MS - 1 },
  ]);
  await db.orm.insert(webauthnChallenges).values([
    { hash: 'c-old', ceremony: 'authentication', createdAt: 0, expiresAt: NOW - 1 },
    { hash: 'c-new', ceremony: 'authentication', createdAt: 0, expiresAt: NOW + 1 },
  ]);
  await db.orm.insert(dbscChallenges).values([
    { hash: 'd-old', purpose: 'registration', sessionId: 'live', createdAt: 0, expiresAt: NOW - 1 },
    { hash: 'd-new', purpose: 'refresh', sessionId: 'live', createdAt: 0, expiresAt: NOW + 1 },
  ]);
  const mail = (id: string, status: string, createdAt: number) => ({
    id,
    to: 'a@example.com',
    subject: 's',
    text: 't',
    html: 'h',
    createdAt,
    status,
    nextAttemptAt: 0,
    expiresAt: 0,
  });
  await db.orm
    .insert(mailQueue)
    .values([
      mail('sent-old', 'sent', NOW - 2 * DAY),
      mail('queued-old', 'queued', NOW - 2 * DAY),
      mail('sent-new', 'sent', NOW),
    ]);
  const event = (id: string, status: string, createdAt: number) => ({
    id,
    type: 'user.created',
    body: '{}',
    createdAt,
    status,
    nextAttemptAt: createdAt,
  });
  await db.orm
    .insert(webhookEvents)
    .values([
      event('delivered-old', 'delivered', NOW - 2 * DAY),
      event('delivered-new', 'delivered', NOW),
      event('dead-old', 'dead', NOW - config.auditRetention * 1000 - 1),
      event('dead-new', 'dead', NOW - 2 * DAY),
      event('pending-old', 'pending', NOW - 2 * DAY),
    ]);
}

describe.each(drivers)('pruneExpired on %s', (_name, dbOf) => {
  it('removes exactly the dead rows of every table and keeps the live ones', async () => {
    const db: Db = dbOf();
    await seed(db);
    const counts = await pruneExpired({ db, config, clock: () => NOW });
    expect(counts).toEqual({
      sessions: 2,
      successors: 1,
      sessionSuccessors: 1,
      auditEvents: 1,
      rateLimits: 1,
      emailTokens: 1,
      codeFailures: 2,
      challenges: 1,
      dbscChallenges: 1,
      // Three seeded, and the two pending events the outbox trigger made for the seeded session.started rows.
      webhooks: 5,
      mail: 1,
    });
    expect(await ids(db.orm.select().from(sessions), 'id')).toEqual([
      'live',
      'revoked-now',
      'sealed-new',
      'sealed-old',
    ]);
    expect(
      await ids(db.orm.select().from(sessions).where(sql`${sessions.refreshPrevSealed} IS NOT NULL`), 'id'),
    ).toEqual(['sealed-new']);
    // The dead session's token went with it (cascade); the old successor was wiped, the new one kept.
    expect(
      await db.orm
        .select({ hash: refreshTokens.hash, sealed: refreshTokens.successorSealed })
        .from(refreshTokens)
        .orderBy(refreshTokens.hash),
    ).toEqual([
      { hash: 'h-new', sealed: 'box' },
      { hash: 'h-old', sealed: null },
    ]);
    expect(await ids(db.orm.select().from(rateLimits), 'key')).toEqual(['holding']);
    expect(await ids(db.orm.select().from(emailTokens), 'id')).toEqual(['t-expired-now', 't-live']);
    expect((await db.orm.select().from(codeFailures)).map((r) => `${r.mailbox}:${r.kind}`).sort()).toEqual([
      'm:failure',
      'm:lock',
    ]);
    expect(await ids(db.orm.select().from(webauthnChallenges), 'hash')).toEqual(['c-new']);
    expect(await ids(db.orm.select().from(dbscChallenges), 'hash')).toEqual(['d-new']);
    expect(await ids(db.orm.select().from(mailQueue), 'id')).toEqual(['queued-old', 'sent-new']);
    expect((await db.orm.select().from(auditEvents)).map((r) => r.at)).toEqual([NOW]);
    // No WEBHOOK_URL here: nobody listens, so even pending events go.
    expect(await ids(db.orm.select().from(webhookEvents), 'id')).toEqual(['dead-new', 'delivered-new']);
  });

  it('keeps pending webhook events while a WEBHOOK_URL is set', async () => {
    const db: Db = dbOf();
    const event = (id: string, status: string) => ({
      id,
      type: 'user.created',
      body: '{}',
      createdAt: NOW - 2 * DAY,
      status,
      nextAttemptAt: NOW - 2 * DAY,
    });
    await db.orm.insert(webhookEvents).values([event('waiting', 'pending'), event('sent-long-ago', 'delivered')]);
    const withUrl = parseConfig({
      WEBHOOK_URL: 'https://app.example.com/hooks',
      WEBHOOK_SECRET: `whsec_${Buffer.from('k'.repeat(32)).toString('base64')}`,
    });
    const counts = await pruneExpired({ db, config: withUrl, clock: () => NOW });
    expect(counts.webhooks).toBe(1);
    expect(
      await ids(
        db.orm.select().from(webhookEvents).where(sql`${webhookEvents.id} IN ('waiting', 'sent-long-ago')`),
        'id',
      ),
    ).toEqual(['waiting']);
  });

  it('walks the sessions in windows of rowids, across gaps, and finds every dead one', async () => {
    const db: Db = dbOf();
    await db.orm.insert(users).values({ id: 'w-user', email: 'w@example.com', emailVerified: true, createdAt: 0 });
    const mine = (id: string, over: Partial<typeof sessions.$inferInsert> = {}) => ({
      ...session(id, over),
      userId: 'w-user',
    });
    await db.orm
      .insert(sessions)
      .values([
        mine('w-live'),
        mine('w-idle-dead', { idleExpiresAt: NOW - 2 * DAY }),
        mine('w-revoked', { revokedAt: NOW - 2 * DAY }),
        mine('w-expired', { absoluteExpiresAt: NOW - 2 * DAY }),
        mine('w-far-dead', { idleExpiresAt: NOW - 3 * DAY }),
        mine('w-far-live'),
      ]);
    // Far past the other rows: the walk jumps a gap of a million rowids instead of stepping through it.
    await db.orm.run(sql`UPDATE sessions SET rowid = 1000000 WHERE id = 'w-far-dead'`);
    await db.orm.run(sql`UPDATE sessions SET rowid = 1000001 WHERE id = 'w-far-live'`);
    const counts = await pruneExpired({ db, config, clock: () => NOW, scanWindow: 2 });
    expect(counts.sessions).toBe(4);
    expect(await ids(db.orm.select().from(sessions).where(sql`${sessions.userId} = 'w-user'`), 'id')).toEqual([
      'w-far-live',
      'w-live',
    ]);
  });

  it('leaves the sessions for a later run when told to, and prunes the rest', async () => {
    const db: Db = dbOf();
    await db.orm.insert(users).values({ id: 'x-user', email: 'x@example.com', emailVerified: true, createdAt: 0 });
    await db.orm
      .insert(sessions)
      .values([{ ...session('x-dead', { idleExpiresAt: NOW - 2 * DAY }), userId: 'x-user' }]);
    const skipped = await pruneExpired({ db, config, clock: () => NOW, walkSessions: false });
    expect(skipped.sessions).toBe(0);
    expect(await ids(db.orm.select().from(sessions).where(sql`${sessions.id} = 'x-dead'`), 'id')).toEqual(['x-dead']);
    const walked = await pruneExpired({ db, config, clock: () => NOW });
    expect(walked.sessions).toBe(1);
  });

  it('clears a backlog larger than one slice in one call', async () => {
    const db: Db = dbOf();
    const old = NOW - config.auditRetention * 1000 - 1;
    const rows = Array.from({ length: 5_050 }, () => ({ at: old, type: 'email.sent' }));
    // D1 caps bound parameters per statement: insert in small chunks.
    for (let i = 0; i < rows.length; i += 40) await db.orm.insert(auditEvents).values(rows.slice(i, i + 40));
    const counts = await pruneExpired({ db, config, clock: () => NOW });
    expect(counts.auditEvents).toBe(5_050);
    expect((await db.orm.select().from(auditEvents)).map((r) => r.at)).toEqual([NOW]);
  });
});

describe('sessionWalkDue', () => {
  it('is due in every tenth minute of the clock, whatever the second', () => {
    const due = Array.from({ length: 30 }, (_, m) => sessionWalkDue(Date.UTC(2026, 10, 30, 9, m, 59)));
    expect(due.map((d, m) => (d ? m : -1)).filter((m) => m >= 0)).toEqual([0, 10, 20]);
  });
});
