/**
 * The account's life beyond signing in: deleting it (DELETE /api/me) and its recent security
 * activity (GET /api/me/activity).
 *
 * Deletion (recent sign-in): one batch (account-deletion.ts) removes the account and everything
 * of it, keeps the audit rows without the address, and adds one 'account.deleted' row. Its access
 * tokens answer 401 at once (their session is gone). Then the address gets a notice.
 */
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { auditEvents } from '../../db/schema.js';
import { accountDeletion } from './account-deletion.js';
import type { AuditEventType } from '../../audit/audit.js';
import type { EmailDeps } from '../email/email-sign-in.js';
import { AuthError } from '../errors.js';
import { notifyAccount } from './notify-account.js';
import { assertRecentSignIn, type Authenticated } from '../sessions/presence.js';
import type { RequestContext } from '../sessions/sessions.js';

export async function deleteAccount(
  deps: EmailDeps,
  { auth, context = {} }: { auth: Authenticated; context?: RequestContext },
): Promise<void> {
  const { db, clock } = deps;
  // Deleting is for the person at the keyboard now, not for a token that outlived its sign-in.
  assertRecentSignIn(deps, auth.session);
  const { id, email } = auth.user;
  const statements = accountDeletion(db, {
    id,
    email,
    audit: {
      at: clock(),
      type: 'account.deleted',
      sessionId: auth.session.id,
      clientAddress: context.clientAddress,
      userAgent: context.userAgent,
    },
  });
  const [deleted] = (await db.batch(statements)) as unknown as [{ id: string }[]];
  // A parallel delete got there first: the account is gone either way, and this token with it.
  if (deleted.length !== 1) throw new AuthError('SESSION_REVOKED', 'This account no longer exists');
  await notifyAccount(deps, { email, notice: { kind: 'account_deleted' }, context });
}

/** What GET /api/me/activity shows, by audit type (API.md: sign-ins, passkeys, address changes, revocations). */
const ACTIVITY: Partial<Record<AuditEventType, string>> = {
  'account.created': 'account_created',
  'session.started': 'sign_in',
  'session.reauthenticated': 'reauthenticated',
  'passkey.registered': 'passkey_added',
  'passkey.deleted': 'passkey_removed',
  'account.email_changed': 'email_changed',
  'session.revoked': 'session_revoked',
  'session.logout_all': 'signed_out_everywhere',
  'session.refresh_reuse_detected': 'session_revoked',
};

export interface ActivityEvent {
  type: string;
  at: number;
  userAgent: string | null;
  ip: string | null;
  /** Sign-ins: 'passkey' | 'email'. */
  method?: string;
  /** Passkey events: the credential id, so the page can name the passkey. */
  passkeyId?: string;
}

export const ACTIVITY_LIMIT = 50;

/** The account's newest security events, newest first. */
export async function listActivity(db: Db, userId: string, limit = ACTIVITY_LIMIT): Promise<ActivityEvent[]> {
  const rows = await db.orm
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.userId, userId), inArray(auditEvents.type, Object.keys(ACTIVITY))))
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(limit);
  return rows.map((row) => {
    let detail: Record<string, unknown> = {};
    try {
      detail = row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : {};
    } catch {
      // An unreadable detail only loses the extras, never the event.
    }
    const event: ActivityEvent = {
      type: ACTIVITY[row.type as AuditEventType]!,
      at: row.at,
      userAgent: row.userAgent,
      ip: row.clientAddress,
    };
    if (row.type === 'session.started' && typeof detail.method === 'string') event.method = detail.method;
    if (row.type.startsWith('passkey.') && typeof detail.credentialId === 'string')
      event.passkeyId = detail.credentialId;
    return event;
  });
}
