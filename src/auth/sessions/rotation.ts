/**
 * Refresh: one conditional UPDATE per rotation, the reuse window's sealed successor, and reuse
 * detection (RFC 9700 §4.14.2) without a row per old token. Rules in sessions.ts's header.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { prepared } from '../../db/prepared.js';
import { sessions } from '../../db/schema.js';
import { auditInsert } from '../../audit/audit.js';
import { timingSafeEqual } from '../../lib/crypto.js';
import { hasValidTag, mintRefreshToken, parseRefreshToken, type ParsedRefreshToken } from './refresh-tokens.js';
import { assertDeviceFresh } from './dbsc-freshness.js';
import { AuthError } from '../errors.js';
import type { UserRow } from '../account/users.js';
import {
  assertLive,
  invalidToken,
  issueSession,
  sessionById,
  SUCCESSOR_INFO,
  type IssuedSession,
  type RequestContext,
  type SessionDeps,
  type SessionRow,
} from './sessions.js';
import { rotateLegacyToken } from './legacy-tokens.js';

/** Exchanges a refresh token for a new pair; see the module header for the reuse rules. */
export async function rotateRefreshToken(
  deps: SessionDeps,
  refreshToken: string,
  context: RequestContext = {},
): Promise<IssuedSession> {
  const parsed = parseRefreshToken(refreshToken);
  if (!parsed) return rotateLegacyToken(deps, refreshToken, context);
  const { db, config, clock } = deps;
  const now = clock();
  const found = await sessionById(db, parsed.sessionId);
  // Unknown tokens get the same answer as forged ones: nothing to learn by probing.
  if (!found || found.session.refreshGen === null || found.session.refreshHash === null) throw invalidToken();
  const hash = await deps.crypto.sha256(refreshToken);
  const { session } = found;
  const currentHash = session.refreshHash!;
  if (parsed.generation !== session.refreshGen || !timingSafeEqual(hash, currentHash)) {
    return answerOlderGeneration(deps, refreshToken, parsed, hash, found, context);
  }
  assertLive(session, now);
  await assertDeviceFresh(deps, { session, issuedAt: session.refreshAt, context });
  const successor = await mintRefreshToken(deps, session.id, session.refreshGen + 1);
  const sealed = await deps.crypto.seal(refreshToken, SUCCESSOR_INFO, successor);
  const rotation = prepared(db, 'sessions.rotate', (orm) => {
    const p = sql.placeholder;
    // One statement: it moves the generation only while the presented one is still current, so of
    // two racing requests with the same token exactly one rotates (on D1 as on SQLite, any process).
    return orm
      .update(sessions)
      .set({
        refreshGen: sql`${p('gen')} + 1`,
        refreshHash: sql`${p('successorHash')}`,
        refreshAt: sql`${p('now')}`,
        refreshPrevHash: sql`${p('hash')}`,
        refreshPrevSealed: sql`${p('sealed')}`,
        // SET expressions read the row as it was: the previous generation's issue time.
        refreshPrevAt: sql`${sessions.refreshAt}`,
        lastUsedAt: sql`${p('now')}`,
        idleExpiresAt: sql`${p('idleExpiresAt')}`,
      })
      .where(
        and(
          eq(sessions.id, p('sid')),
          eq(sessions.refreshGen, p('gen')),
          eq(sessions.refreshHash, p('hash')),
          isNull(sessions.revokedAt),
        ),
      )
      .returning()
      .prepare();
  });
  const idleExpiresAt = Math.min(now + config.sessionIdleTtl * 1000, session.absoluteExpiresAt);
  const values = {
    now,
    hash,
    successorHash: await deps.crypto.sha256(successor),
    sealed,
    sid: session.id,
    gen: session.refreshGen,
    idleExpiresAt,
  };
  const [[rotated]] = (await db.batchPrepared([{ statement: rotation, values }])) as [SessionRow[]];
  if (rotated) return issueSession(deps, found.user, rotated, successor);
  // Lost the race to a parallel refresh with the same token (or a racing logout): read again and
  // answer as a replay.
  const again = await sessionById(db, session.id);
  if (!again) throw invalidToken();
  return answerOlderGeneration(deps, refreshToken, parsed, hash, again, context);
}

/**
 * A self-describing token that is not the session's current one. The previous generation inside
 * the reuse window gets the current token (two tabs racing); any other genuine token of an older
 * generation is reuse and revokes the session; a token we did not mint is just invalid.
 */
async function answerOlderGeneration(
  deps: SessionDeps,
  presented: string,
  parsed: ParsedRefreshToken,
  hash: string,
  { session, user }: { session: SessionRow; user: UserRow },
  context: RequestContext,
): Promise<IssuedSession> {
  const now = deps.clock();
  const window = deps.config.refreshReuseWindow * 1000;
  const current = session.refreshGen!;
  if (parsed.generation === current && session.refreshHash !== null && timingSafeEqual(hash, session.refreshHash)) {
    // Read again after a lost race and now current: only a revocation or expiry stopped it.
    assertLive(session, now);
    throw invalidToken();
  }
  const isPrevious =
    parsed.generation === current - 1 &&
    session.refreshPrevHash !== null &&
    timingSafeEqual(hash, session.refreshPrevHash);
  // Only a token we minted may revoke: a guessed session id with a made-up tag must not sign anyone out.
  if (!isPrevious && (parsed.generation >= current || !(await hasValidTag(deps, parsed)))) throw invalidToken();
  // A genuine token one generation back whose hash differs was minted by a rotation that lost its race and never handed out.
  if (parsed.generation === current - 1 && !isPrevious) throw invalidToken();
  assertLive(session, now);
  // A bound session: an older token issued (at the latest when the previous generation was) more
  // than DBSC_COOKIE_TTL ago is refused without the reuse revocation a thief could use against the owner.
  await assertDeviceFresh(deps, { session, issuedAt: session.refreshPrevAt, context });
  if (isPrevious && session.refreshAt !== null && now - session.refreshAt <= window && session.refreshPrevSealed) {
    const next = await deps.crypto.unseal(presented, SUCCESSOR_INFO, session.refreshPrevSealed);
    if (next) return { ...(await issueSession(deps, user, session, next)), replayed: true };
  }
  if (isPrevious && session.refreshAt !== null && now - session.refreshAt <= window && !session.refreshPrevSealed) {
    // Replaced by a re-authentication a moment ago (no successor is sealed to it): not a thief.
    throw new AuthError('INVALID_TOKEN', 'The refresh token was superseded; retry with the current cookie', {
      keepCookie: true,
    });
  }
  if (parsed.generation === current - 2 && session.refreshPrevAt !== null && now - session.refreshPrevAt <= window) {
    // Two rotations inside one reuse window: a very slow racing tab, not a thief. Only the
    // previous generation's successor is kept, so it gets no token, but the session lives and the
    // browser keeps its (newer) cookie.
    throw new AuthError('INVALID_TOKEN', 'The refresh token was superseded; retry with the current cookie', {
      keepCookie: true,
    });
  }
  const rotatedAt = isPrevious ? session.refreshAt : parsed.generation === current - 2 ? session.refreshPrevAt : null;
  return revokeForReuse(deps, { session, user }, context, {
    generation: parsed.generation,
    currentGeneration: current,
    ...(rotatedAt !== null ? { rotatedAt: new Date(rotatedAt).toISOString() } : {}),
  });
}

/** Outside the window an old token was stolen or leaked: kill the whole session (RFC 9700 reuse detection). */
export async function revokeForReuse(
  deps: SessionDeps,
  { session, user }: { session: SessionRow; user: UserRow },
  context: RequestContext,
  detail: Record<string, unknown>,
): Promise<never> {
  const { db } = deps;
  const now = deps.clock();
  await db.batch([
    db.orm
      .update(sessions)
      .set({ revokedAt: now, revokedReason: 'refresh_reuse' })
      .where(and(eq(sessions.id, session.id), isNull(sessions.revokedAt))),
    auditInsert(db, {
      at: now,
      type: 'session.refresh_reuse_detected',
      userId: user.id,
      sessionId: session.id,
      clientAddress: context.clientAddress,
      userAgent: context.userAgent,
      detail,
    }),
  ]);
  deps.logger.log('warn', 'refresh token reuse detected; session revoked', { sessionId: session.id, userId: user.id });
  throw new AuthError('REFRESH_TOKEN_REUSED', 'This refresh token was already used; the session has been signed out');
}
