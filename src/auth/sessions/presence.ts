/**
 * A live session behind every access token the service's own endpoints accept, and proof of
 * presence: how recent it must be for sensitive changes, and re-authentication that renews it.
 */
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Config } from '../../lib/config.js';
import { sessions } from '../../db/schema.js';
import type { AccessTokenClaims, Amr } from './access-tokens.js';
import { auditStepIf } from '../../audit/audit.js';
import type { PreparedStep } from '../../db/db.js';
import { always, placeholderValues, prepared, type PreparedCondition } from '../../db/prepared.js';
import { mintRefreshToken } from './refresh-tokens.js';
import { AuthError } from '../errors.js';
import { anyRow } from '../../db/conditions.js';
import type { UserRow } from '../account/users.js';
import {
  assertLive,
  issueSession,
  sessionById,
  type IssuedSession,
  type RequestContext,
  type SessionDeps,
  type SessionRow,
} from './sessions.js';

export interface Authenticated {
  claims: AccessTokenClaims;
  session: SessionRow;
  user: UserRow;
}

/**
 * The service's own endpoints accept an access token only while its session lives: revocation
 * takes effect at once here (a primary-key lookup of `sid`), unlike for offline verifiers.
 */
export async function requireLiveSession(
  { db, clock }: SessionDeps,
  claims: AccessTokenClaims,
): Promise<Authenticated> {
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
export function assertRecentSignIn(
  { config, clock }: { config: Config; clock: () => number },
  session: SessionRow,
): void {
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
  }: { auth: Authenticated; amr: Amr[]; context?: RequestContext; before?: PreparedStep[]; guard?: PreparedCondition },
): Promise<IssuedSession | null> {
  const { db, clock } = deps;
  const now = clock();
  const sid = auth.session.id;
  // A fresh refresh token as the session's next generation; the one it replaces becomes the
  // previous generation (no sealed successor: a racing request with it gets 401 inside the window,
  // reuse after it). The statement only applies to the generation read, like a rotation.
  const generation = auth.session.refreshGen === null ? 0 : auth.session.refreshGen + 1;
  const refreshToken = await mintRefreshToken(deps, sid, generation);
  const tokenHash = await deps.crypto.sha256(refreshToken);
  const cond = guard ?? always;
  // Prepared once per database, guard shape and kind of session (one from before self-describing
  // tokens has no generation yet).
  const legacy = auth.session.refreshGen === null;
  const update = prepared(db, `sessions.reauthenticate ${legacy ? 'legacy' : 'current'} ${cond.key}`, (orm) => {
    const p = sql.placeholder;
    return orm
      .update(sessions)
      .set({
        reauthenticatedAt: sql`${p('reauth.now')}`,
        amr: sql`${p('reauth.amr')}`,
        lastUsedAt: sql`${p('reauth.now')}`,
        idleExpiresAt: sql`min(${p('reauth.idleExpiresAt')}, ${sessions.absoluteExpiresAt})`,
        refreshGen: sql`${p('reauth.generation')}`,
        refreshHash: sql`${p('reauth.tokenHash')}`,
        refreshAt: sql`${p('reauth.now')}`,
        // SET expressions read the row as it was: the replaced generation becomes the previous one.
        refreshPrevHash: legacy ? null : sessions.refreshHash,
        refreshPrevSealed: null,
        refreshPrevAt: legacy ? null : sessions.refreshAt,
      })
      .where(
        and(
          eq(sessions.id, p('reauth.sid')),
          eq(sessions.userId, p('reauth.userId')),
          isNull(sessions.revokedAt),
          gt(sessions.absoluteExpiresAt, p('reauth.now')),
          // Only the generation read: a rotation or another re-authentication in between wins.
          legacy ? isNull(sessions.refreshGen) : eq(sessions.refreshGen, p('reauth.readGeneration')),
          cond.build(),
        ),
      )
      .returning()
      .prepare();
  });
  const values = placeholderValues(cond.values, {
    'reauth.now': now,
    'reauth.amr': JSON.stringify(amr),
    'reauth.idleExpiresAt': now + deps.config.sessionIdleTtl * 1000,
    'reauth.generation': generation,
    'reauth.tokenHash': tokenHash,
    'reauth.sid': sid,
    'reauth.userId': auth.user.id,
    ...(legacy ? {} : { 'reauth.readGeneration': auth.session.refreshGen }),
  });
  const results = await db.batchPrepared([
    ...before,
    { statement: update, values },
    auditStepIf(
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
      renewedWith(sid, tokenHash),
    ),
  ]);
  const updated = results[before.length] as SessionRow[];
  if (updated.length !== 1) return null;
  return issueSession(deps, auth.user, updated[0]!, refreshToken);
}

/**
 * Holds, later in the batch, when this re-authentication renewed the session: its new token's
 * hash is the session's current one (a time would also match an earlier renewal in the same ms).
 */
const renewedWith = (sid: string, tokenHash: string): PreparedCondition => ({
  key: 'renewedWith',
  build: () =>
    anyRow(
      sessions,
      and(
        eq(sessions.id, sql.placeholder('renewed.sid')),
        eq(sessions.refreshHash, sql.placeholder('renewed.tokenHash')),
      ),
    ),
  values: { 'renewed.sid': sid, 'renewed.tokenHash': tokenHash },
});
