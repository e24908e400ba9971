/** Renaming and deleting a person's passkeys, each with its audit event in one batch. */
import { and, eq, gt, or } from 'drizzle-orm';
import { passkeys, users } from '../../db/schema.js';
import { auditInsertIf } from '../../audit/audit.js';
import { AuthError } from '../errors.js';
import { assertRecentSignIn } from '../sessions/presence.js';
import type { RequestContext, SessionDeps, SessionRow } from '../sessions/sessions.js';
import type { UserRow } from '../account/users.js';
import { anyRow, previousStatementChangedARow, rowCount } from '../../db/conditions.js';
import type { PasskeyRow } from './passkeys.js';

/** Renames one of the user's passkeys; null when the user has no passkey with that id. */
export async function renamePasskey(
  { db, clock }: SessionDeps,
  {
    userId,
    sessionId,
    id,
    name,
    context = {},
  }: { userId: string; sessionId: string; id: string; name: string; context?: RequestContext },
): Promise<PasskeyRow | null> {
  const now = clock();
  const [renamed] = await db.batch([
    db.orm
      .update(passkeys)
      .set({ name })
      .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
      .returning(),
    auditInsertIf(
      db,
      {
        at: now,
        type: 'passkey.renamed',
        userId,
        sessionId,
        clientAddress: context.clientAddress,
        userAgent: context.userAgent,
        detail: { credentialId: id },
      },
      previousStatementChangedARow,
    ),
  ]);
  return renamed[0] ?? null;
}

/** Deletes one of the user's passkeys; 404 when it is not theirs. The address stays a way in. */
export async function deletePasskey(
  deps: SessionDeps,
  { user, session, id, context = {} }: { user: UserRow; session: SessionRow; id: string; context?: RequestContext },
): Promise<{ id: string; name: string }> {
  const { db, clock } = deps;
  assertRecentSignIn(deps, session);
  const now = clock();
  // An account whose address was released by the verify-first upgrade (README "Upgrading") has no
  // address to receive a link: its passkeys are its only way in, so the last one stays until an
  // address is proved. Checked inside the DELETE, so two parallel deletes cannot remove both.
  const keepsAWayIn = or(
    anyRow(users, and(eq(users.id, user.id), eq(users.emailVerified, true))),
    gt(rowCount(passkeys, eq(passkeys.userId, user.id)), 1),
  );
  const [deleted] = await db.batch([
    db.orm
      .delete(passkeys)
      .where(and(eq(passkeys.id, id), eq(passkeys.userId, user.id), keepsAWayIn))
      .returning({ id: passkeys.id, name: passkeys.name }),
    auditInsertIf(
      db,
      {
        at: now,
        type: 'passkey.deleted',
        userId: user.id,
        sessionId: session.id,
        clientAddress: context.clientAddress,
        userAgent: context.userAgent,
        detail: { credentialId: id },
      },
      previousStatementChangedARow,
    ),
  ]);
  if (deleted.length !== 1) {
    const [mine] = await db.orm
      .select({ id: passkeys.id })
      .from(passkeys)
      .where(and(eq(passkeys.id, id), eq(passkeys.userId, user.id)));
    // Another user's passkey is simply not found.
    if (!mine) throw new AuthError('NOT_FOUND', 'No such passkey');
    throw new AuthError(
      'LAST_PASSKEY',
      'This passkey is the only way into an account without a proved address; prove an address first (account page, change address)',
    );
  }
  return deleted[0]!;
}
