/**
 * Audit events: who did what, when, from where. Kept AUDIT_RETENTION, then pruned.
 * `detail` never holds a secret.
 */
import type { SQL } from 'drizzle-orm';
import type { Db, PreparedStep } from '../db/db.js';
import { insertWhere } from '../db/insert-where.js';
import { prepared, rowPlaceholders, rowValues, type PreparedCondition } from '../db/prepared.js';
import { auditEvents } from '../db/schema.js';

export type AuditEventType =
  | 'session.started'
  | 'session.refresh_reuse_detected'
  | 'session.logout'
  | 'session.logout_all'
  | 'session.revoked'
  | 'key.rotated'
  | 'email.sent'
  | 'email.send_failed'
  | 'email.verified'
  | 'email.verify_failed'
  | 'account.created'
  | 'account.deleted'
  | 'account.email_changed'
  | 'email.change_requested'
  | 'session.reauthenticated'
  | 'session.dbsc_bound'
  | 'session.dbsc_proof_failed'
  | 'passkey.registered'
  | 'passkey.deleted'
  | 'passkey.renamed'
  | 'passkey.sign_in_failed'
  | 'passkey.counter_regression'
  | 'admin.key_created'
  | 'admin.key_revoked'
  | 'admin.user_disabled'
  | 'admin.user_enabled'
  | 'admin.user_deleted'
  | 'admin.sessions_revoked'
  | 'webhook.dead';

export interface AuditEventInput {
  at: number;
  type: AuditEventType;
  userId?: string | null;
  sessionId?: string | null;
  clientAddress?: string | null;
  userAgent?: string | null;
  detail?: Record<string, unknown>;
}

function auditRow(e: AuditEventInput) {
  return {
    at: e.at,
    type: e.type,
    userId: e.userId ?? null,
    sessionId: e.sessionId ?? null,
    clientAddress: e.clientAddress ?? null,
    userAgent: e.userAgent ? e.userAgent.slice(0, 512) : null,
    detail: e.detail ? JSON.stringify(e.detail) : null,
  };
}

/** The insert as a statement, for callers that put it into a batch with the change it records. */
export function auditInsert(db: Db, e: AuditEventInput) {
  return db.orm.insert(auditEvents).values(auditRow(e));
}

/** The insert, written only when `cond` holds (the change it records took effect in the same batch). */
export function auditInsertIf(db: Db, e: AuditEventInput, cond: SQL) {
  return insertWhere(db.orm, auditEvents, auditRow(e), cond);
}

/**
 * auditInsertIf as a step of a prepared batch (Db.batchPrepared): the statement is prepared once
 * per database and condition shape, this event's values are bound to it.
 */
export function auditStepIf(db: Db, e: AuditEventInput, cond: PreparedCondition): PreparedStep {
  const row = auditRow(e);
  const statement = prepared(db, `audit.insertIf ${cond.key}`, (orm) =>
    insertWhere(orm, auditEvents, rowPlaceholders(row), cond.build()).prepare(),
  );
  return { statement, values: rowValues(row, cond.values) };
}

export async function recordAuditEvent(db: Db, e: AuditEventInput): Promise<void> {
  await auditInsert(db, e);
}
