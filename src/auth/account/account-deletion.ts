/**
 * The one batch that deletes an account, shared by the person (DELETE /api/me, account.ts) and an
 * administrator (DELETE /admin/users/{id}, admin/users.ts).
 *
 * It removes the account (its passkeys, sessions and refresh tokens go by cascade), every pending
 * link, code and challenge of it, every queued message to its address, and the address from every
 * audit row that named it; the audit rows themselves stay, keyed by the user id, which no longer
 * names anyone. The deletion's own audit row is written with the address in its detail and then
 * loses it with the others: the webhook outbox trigger (drizzle/0009_webhook_outbox_triggers.sql)
 * reads the address when the row is inserted, so `user.deleted` names who was deleted while the
 * kept history does not.
 */
import { and, eq, or, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { noRow } from '../../db/conditions.js';
import type { Db } from '../../db/db.js';
import { auditEvents, emailTokens, mailQueue, users, webauthnChallenges } from '../../db/schema.js';
import { auditInsertIf, type AuditEventInput } from '../../audit/audit.js';

/** The keys of audit details that may hold an address (email sign-in failures, mail, migration 0003). */
const ADDRESS_KEYS = ['$.email', '$.to', '$.previousEmail'] as const;

/**
 * The statements, in order; the first returns the deleted user's id (none when the account was
 * already gone, and then nothing else is written either: the audit row is conditional).
 */
export function accountDeletion(
  db: Db,
  { id, email, audit }: { id: string; email: string; audit: AuditEventInput },
): [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]] {
  const namesAddress = or(...ADDRESS_KEYS.map((k) => sql`json_extract(${auditEvents.detail}, ${k}) = ${email}`));
  return [
    db.orm.delete(users).where(eq(users.id, id)).returning({ id: users.id }),
    // Pending mails go: links and codes to the address, notices, anything still queued or kept.
    db.orm.delete(mailQueue).where(eq(mailQueue.to, email)),
    db.orm.delete(emailTokens).where(or(eq(emailTokens.email, email), eq(emailTokens.userId, id))),
    db.orm.delete(webauthnChallenges).where(eq(webauthnChallenges.userId, id)),
    // Only once the account is gone (a parallel delete records nothing twice). The address in the
    // detail is for the outbox trigger, which copies it into the user.deleted event on insert.
    auditInsertIf(db, { ...audit, userId: id, detail: { ...audit.detail, email } }, noRow(users, eq(users.id, id))),
    // Then audit rows keep no address, this one included: the history stays, anonymous.
    db.orm
      .update(auditEvents)
      .set({
        detail: sql`json_remove(${auditEvents.detail}, ${ADDRESS_KEYS[0]}, ${ADDRESS_KEYS[1]}, ${ADDRESS_KEYS[2]})`,
      })
      .where(
        and(
          sql`${auditEvents.detail} IS NOT NULL AND json_valid(${auditEvents.detail})`,
          or(eq(auditEvents.userId, id), namesAddress),
        ),
      ),
  ];
}
