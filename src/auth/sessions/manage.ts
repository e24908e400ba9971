/** A person's sessions: the list, sign-out by refresh token, revoking one or all (each audited). */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { sessions } from '../../db/schema.js';
import { auditInsert } from '../../audit/audit.js';
import { hasValidTag, parseRefreshToken } from './refresh-tokens.js';
import { sessionById, type RequestContext, type SessionDeps, type SessionRow } from './sessions.js';
import { findLegacyToken } from './legacy-tokens.js';

/** Revokes the session a refresh token belongs to (logout). Unknown tokens are a no-op. */
export async function logoutByRefreshToken(
  deps: SessionDeps,
  refreshToken: string,
  context: RequestContext = {},
): Promise<void> {
  const parsed = parseRefreshToken(refreshToken);
  if (!parsed) {
    const found = await findLegacyToken(deps.db, await deps.crypto.sha256(refreshToken));
    if (found)
      await revokeSession(deps, { sessionId: found.session.id, userId: found.user.id, reason: 'logout', context });
    return;
  }
  const found = await sessionById(deps.db, parsed.sessionId);
  // Any token this session ever had signs it out (as a rotated row did before); a forged one does nothing.
  if (!found || found.session.refreshGen === null || parsed.generation > found.session.refreshGen) return;
  if (!(await hasValidTag(deps, parsed))) return;
  await revokeSession(deps, { sessionId: found.session.id, userId: found.user.id, reason: 'logout', context });
}

export async function revokeSession(
  { db, clock }: SessionDeps,
  {
    sessionId,
    userId,
    reason,
    context = {},
  }: { sessionId: string; userId: string; reason: 'logout' | 'revoked'; context?: RequestContext },
): Promise<boolean> {
  const now = clock();
  const [revoked] = await db.batch([
    db.orm
      .update(sessions)
      .set({ revokedAt: now, revokedReason: reason })
      .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id }),
    auditInsert(db, {
      at: now,
      type: reason === 'logout' ? 'session.logout' : 'session.revoked',
      userId,
      sessionId,
      clientAddress: context.clientAddress,
      userAgent: context.userAgent,
    }),
  ]);
  return revoked.length === 1;
}

export async function revokeAllSessions(
  { db, clock }: SessionDeps,
  { userId, reason = 'logout_all', context = {} }: { userId: string; reason?: string; context?: RequestContext },
): Promise<number> {
  const now = clock();
  const [revoked] = await db.batch([
    db.orm
      .update(sessions)
      .set({ revokedAt: now, revokedReason: reason })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id }),
    auditInsert(db, {
      at: now,
      type: 'session.logout_all',
      userId,
      clientAddress: context.clientAddress,
      userAgent: context.userAgent,
      detail: { reason },
    }),
  ]);
  return revoked.length;
}

/** Live sessions of a user, newest first. */
export async function listSessions({ db, clock }: SessionDeps, userId: string): Promise<SessionRow[]> {
  const now = clock();
  return db.orm
    .select()
    .from(sessions)
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        sql`${sessions.idleExpiresAt} > ${now}`,
        sql`${sessions.absoluteExpiresAt} > ${now}`,
      ),
    )
    .orderBy(sql`${sessions.lastUsedAt} DESC`);
}
