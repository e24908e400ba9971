/**
 * The outbox switch on a real SQLite file and a real D1: with the switch off the audit triggers
 * write no webhook_events row; on (or never set) they do, as before.
 */
import { describe, expect, it } from 'vitest';
import { bothDrivers } from '../../test/helpers/both-drivers.js';
import { recordAuditEvent } from '../audit/audit.js';
import type { Db } from '../db/db.js';
import { webhookEvents, webhookOutbox } from '../db/schema.js';
import { syncWebhookOutbox } from './outbox-switch.js';

const drivers = bothDrivers();
const outboxRows = async (db: Db) => (await db.orm.select().from(webhookEvents)).length;
const passkeyAdded = (db: Db, at: number) =>
  recordAuditEvent(db, { at, type: 'passkey.registered', userId: 'u1', detail: { credentialId: `cred-${at}` } });
const sessionStarted = (db: Db, at: number) =>
  recordAuditEvent(db, { at, type: 'session.started', userId: 'u1', sessionId: `s-${at}` });

describe.each(drivers)('webhook outbox switch on %s', (_name, dbOf) => {
  it('writes outbox rows until it is turned off, none while off, and again once on', async () => {
    const db = dbOf();
    // Never set: on, as before the switch existed.
    await passkeyAdded(db, 1);
    await sessionStarted(db, 2);
    expect(await outboxRows(db)).toBe(2);

    await syncWebhookOutbox({ db, config: { webhookUrl: null } });
    expect(await db.orm.select().from(webhookOutbox)).toEqual([{ id: 1, enabled: false }]);
    await passkeyAdded(db, 3);
    await sessionStarted(db, 4);
    expect(await outboxRows(db)).toBe(2);

    await syncWebhookOutbox({ db, config: { webhookUrl: 'https://hooks.example.com/sesame' } });
    await syncWebhookOutbox({ db, config: { webhookUrl: 'https://hooks.example.com/sesame' } });
    expect(await db.orm.select().from(webhookOutbox)).toEqual([{ id: 1, enabled: true }]);
    await sessionStarted(db, 5);
    expect(await outboxRows(db)).toBe(3);
    expect((await db.orm.select({ type: webhookEvents.type }).from(webhookEvents)).map((r) => r.type).sort()).toEqual([
      'passkey.created',
      'session.created',
      'session.created',
    ]);
  });
});
