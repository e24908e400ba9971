/**
 * A live session behind every access token the service's own endpoints accept, and proof of
 * presence: how recent it must be for sensitive changes, and re-authentication that renews it.
 */
import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Config } from '../../lib/config.js';
import { sessions } from '../../db/schema.js';
import type { AccessTokenClaims, Amr } from './access-tokens.js';
import { auditInsertIf } from '../../audit/audit.js';
import { sha256 } from '../../lib/crypto.js';
import { mintRefreshToken } from './refresh-tokens.js';
import { AuthError } from '../errors.js';
import { anyRow } from '../../db/conditions.js';
import type { UserRow } from '../account/users.js';
import { assertLive, issueSession, sessionById, type IssuedSession, type RequestContext, type SessionDeps, type SessionRow } from './sessions.js';

export interface Authenticated {
  claims: AccessTokenClaims;
  session: SessionRow;
  user: UserRow;
}

/**
 * The service's own endpoints accept an access token only while its session lives: revocation
 * takes effect at once here (a primary-key lookup of `sid`), unlike for offline verifiers.
 */
export async function requireLiveSession({ db, clock }: SessionDeps, claims: AccessTokenClaims): Promise<Authenticated> {
  const row = await sessionById(db, claims.sid);
  // The token's subject must own the session it names.
  if (!row || row.user.id !== claims.sub) throw new AuthError('SESSION_REVOKED', 'This session has been signed out');
  assertLive(row.session, clock());
  return { claims, ...row };
}

/** When the session's holder last proved presence: the sign-in, or a later re-authentication. */
export function lastProofOfPresence(session: SessionRow): number {
  return Math.max(session.createdAt, session.reauthenticatedAt ?? 0);
}

/**
 * Sensitive changes (passkeys, the address, deletion) need a proof of presence at most
 * REAUTH_WINDOW old, not merely a live token: a stolen token or an unattended screen is not enough.
 */
export function assertRecentSignIn({ config, clock }: { config: Config; clock: () => number }, session: SessionRow): void {
  if (clock() - lastProofOfPresence(session) > config.reauthWindow * 1000)
    throw new AuthError('REAUTH_REQUIRED', 'Confirm it’s you to continue: use your passkey or an emailed code');
}

/**
 * Re-authentication (API.md): a sign-in proof (passkey, link or code) sent with the session's own
 * Bearer token for the same user renews that session's proof-of-presence time instead of starting
 * a second session. The answer is a session response for the same `sid`: a new access token (with
 * the new proof's amr) and a new refresh token added to the session (the one the browser holds
 * keeps working: a tab racing this request with the old cookie must not look like a replay).
 * `before` and `guard` work as in startSession; null when the guard failed or the session died.
 */
export async function reauthenticateSession(
  deps: SessionDeps,
  {
    auth,
    amr,
    context = {},
    before = [],
    guard,
  }: { auth: Authenticated; amr: Amr[]; context?: RequestContext; before?: BatchItem<'sqlite'>[]; guard?: SQL },
): Promise<IssuedSession | null> {
  const { db, clock } = deps;
  const now = clock();
  const sid = auth.session.id;
  // A fresh refresh token as the session's next generation; the one it replaces becomes the
  // previous generation (no sealed successor: a racing request with it gets 401 inside the window,
  // reuse after it). The statement only applies to the generation read, like a rotation.
  const generation = auth.session.refreshGen === null ? 0 : auth.session.refreshGen + 1;
  const refreshToken = await mintRefreshToken(await deps.secrets.refreshTokenKey(), sid, generation);
  const tokenHash = await sha256(refreshToken);
  const cond = guard ?? sql`1`;
  const sameGeneration = auth.session.refreshGen === null ? isNull(sessions.refreshGen) : eq(sessions.refreshGen, auth.session.refreshGen);
  const results = await db.batch([
    ...before,
    db.orm
      .update(sessions)
      .set({
        reauthenticatedAt: now,
        amr: JSON.stringify(amr),
        lastUsedAt: now,
        idleExpiresAt: sql`min(${now + deps.config.sessionIdleTtl * 1000}, ${sessions.absoluteExpiresAt})`,
        refreshGen: generation,
        refreshHash: tokenHash,
        refreshAt: now,
        refreshPrevHash: auth.session.refreshGen === null ? null : sql`${sessions.refreshHash}`,
        refreshPrevSealed: null,
        refreshPrevAt: auth.session.refreshGen === null ? null : sql`${sessions.refreshAt}`,
      })
      .where(and(eq(sessions.id, sid), eq(sessions.userId, auth.user.id), isNull(sessions.revokedAt), sql`${sessions.absoluteExpiresAt} > ${now}`, sameGeneration, cond))
      .returning(),
    auditInsertIf(
      db,
      {
        at: now,
        type: 'session.reauthenticated',
        userId: auth.user.id,
        sessionId: sid,
        clientAddress: context.clientAddress,
        userAgent: context.userAgent,
        detail: { amr },
      },
      anyRow(sessions, and(eq(sessions.id, sid), eq(sessions.reauthenticatedAt, now))),
    ),
  ] as unknown as readonly [BatchItem<'sqlite'>]);
  const updated = results[before.length] as unknown as SessionRow[];
  if (updated.length !== 1) return null;
  return issueSession(deps, auth.user, updated[0]!, refreshToken);
}
