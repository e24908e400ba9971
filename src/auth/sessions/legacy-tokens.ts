/**
 * Refresh tokens issued before self-describing tokens: one `refresh_tokens` row each. The current
 * one rotates once into the session's columns; the rows stay (no new ones) for reuse detection.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { prepared } from '../../db/prepared.js';
import { refreshTokens, sessions, users } from '../../db/schema.js';
import { mintRefreshToken, parseRefreshToken } from './refresh-tokens.js';
import { AuthError } from '../errors.js';
import { anyRow } from '../../db/conditions.js';
import {
  assertLive,
  invalidToken,
  issueSession,
  sessionById,
  SUCCESSOR_INFO,
  type IssuedSession,
  type RequestContext,
  type SessionDeps,
} from './sessions.js';
import { revokeForReuse } from './rotation.js';
import { assertDeviceFresh } from './dbsc-freshness.js';

export async function findLegacyToken(db: Db, hash: string) {
  const statement = prepared(db, 'sessions.findToken', (orm) =>
    orm
      .select({ token: refreshTokens, session: sessions, user: users })
      .from(refreshTokens)
      .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(refreshTokens.hash, sql.placeholder('hash')))
      .prepare(),
  );
  return (await statement.get({ hash })) ?? null;
}

export async function rotateLegacyToken(
  deps: SessionDeps,
  refreshToken: string,
  context: RequestContext,
): Promise<IssuedSession> {
  const { db, config, clock } = deps;
  const now = clock();
  const hash = await deps.crypto.sha256(refreshToken);
  const found = await findLegacyToken(db, hash);
  if (!found) throw invalidToken();
  assertLive(found.session, now);
  if (found.token.rotatedAt !== null) return answerLegacyReplay(deps, refreshToken, found, context);

  const successor = await mintRefreshToken(deps, found.session.id, 0);
  const successorHash = await deps.crypto.sha256(successor);
  const sealed = await deps.crypto.seal(refreshToken, SUCCESSOR_INFO, successor);
  const idleExpiresAt = Math.min(now + config.sessionIdleTtl * 1000, found.session.absoluteExpiresAt);
  const [claimed, touched] = await db.batch([
    // Claim the rotation: only one concurrent request can move rotated_at from NULL.
    db.orm
      .update(refreshTokens)
      .set({ rotatedAt: now, successorHash, successorSealed: sealed })
      .where(
        and(
          eq(refreshTokens.hash, hash),
          isNull(refreshTokens.rotatedAt),
          // A session revoked since we read it (a racing logout) rotates nothing.
          anyRow(sessions, and(eq(sessions.id, found.session.id), isNull(sessions.revokedAt))),
        ),
      )
      .returning({ hash: refreshTokens.hash }),
    db.orm
      .update(sessions)
      .set({ refreshGen: 0, refreshHash: successorHash, refreshAt: now, lastUsedAt: now, idleExpiresAt })
      .where(
        and(
          eq(sessions.id, found.session.id),
          isNull(sessions.revokedAt),
          isNull(sessions.refreshGen),
          anyRow(refreshTokens, and(eq(refreshTokens.hash, hash), eq(refreshTokens.successorHash, successorHash))),
        ),
      )
      .returning(),
  ]);
  if (claimed.length === 1 && touched.length === 1) return issueSession(deps, found.user, touched[0]!, successor);
  if (claimed.length === 1) throw new AuthError('SESSION_REVOKED', 'This session has been signed out');
  const again = await findLegacyToken(db, hash);
  if (!again) throw invalidToken();
  return answerLegacyReplay(deps, refreshToken, again, context);
}

async function answerLegacyReplay(
  deps: SessionDeps,
  presented: string,
  found: NonNullable<Awaited<ReturnType<typeof findLegacyToken>>>,
  context: RequestContext,
): Promise<IssuedSession> {
  const { db, config, clock } = deps;
  const now = clock();
  const window = config.refreshReuseWindow * 1000;
  assertLive(found.session, now);
  // A bound session: a token issued more than DBSC_COOKIE_TTL ago is refused as in rotation.ts,
  // without the reuse revocation below that a thief could use to sign the owner out.
  await assertDeviceFresh(deps, { session: found.session, issuedAt: found.token.createdAt, context });
  const rotatedAt = found.token.rotatedAt!;
  // Inside the window a replay is a racing tab: hand back the successor the winner got.
  if (now - rotatedAt <= window && found.token.successorSealed) {
    let token = presented;
    let row = found.token;
    // Follow the chain while each step is itself a recent rotation, so a slow tab gets the newest.
    for (
      let depth = 0;
      depth < 8 && row.rotatedAt !== null && row.successorSealed && now - row.rotatedAt <= window;
      depth++
    ) {
      const next = await deps.crypto.unseal(token, SUCCESSOR_INFO, row.successorSealed);
      if (!next) break;
      token = next;
      if (parseRefreshToken(next)) break;
      const nextRow = await findLegacyToken(db, await deps.crypto.sha256(next));
      if (!nextRow) break;
      row = nextRow.token;
    }
    if (token !== presented) {
      const current = await sessionById(db, found.session.id);
      if (!current) throw invalidToken();
      assertLive(current.session, now);
      const parsed = parseRefreshToken(token);
      // The first self-describing token may itself have rotated inside the window: its successor is sealed to it.
      if (
        parsed &&
        parsed.generation === current.session.refreshGen! - 1 &&
        current.session.refreshPrevSealed &&
        now - current.session.refreshAt! <= window
      ) {
        const newer = await deps.crypto.unseal(token, SUCCESSOR_INFO, current.session.refreshPrevSealed);
        if (newer) token = newer;
      }
      return { ...(await issueSession(deps, found.user, current.session, token)), replayed: true };
    }
  }
  return revokeForReuse(deps, found, context, { rotatedAt: new Date(rotatedAt).toISOString() });
}
