/**
 * Sessions and refresh tokens: the heart every sign-in method ends in.
 *
 * - A session is one sign-in. Its id is the `sid` claim and survives refreshes.
 * - A refresh token is 256 random bits, stored only as SHA-256, rotated on every use in one
 *   all-or-nothing batch (D1 has no interactive transactions, so each statement is conditional on
 *   the previous one's effect instead of on a value read in between).
 * - Reuse (RFC 9700 §4.14.2): an already-rotated token presented within REFRESH_REUSE_WINDOW of
 *   its rotation gets the same successor (two tabs racing); later, it revokes the whole session.
 * - Idle expiry slides with use but never past the absolute expiry fixed at sign-in.
 */
import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { prepared } from '../db/prepared.js';
import { refreshTokens, sessions, users } from '../db/schema.js';
import type { Logger } from '../log.js';
import { signAccessToken, type AccessTokenClaims, type Amr } from './access-tokens.js';
import { auditInsert, auditInsertIf } from './audit.js';
import { generateId, generateToken, seal, sha256, unseal } from './crypto.js';
import { AuthError } from './errors.js';
import type { KeyStore } from './signing-keys.js';

export type SignInMethod = 'passkey' | 'email';
export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;

export interface SessionDeps {
  db: Db;
  config: Config;
  clock: () => number;
  keys: KeyStore;
  logger: Logger;
}

/** Where a request came from; recorded with the session and in the audit log. */
export interface RequestContext {
  userAgent?: string | null;
  clientAddress?: string | null;
}

/** What every successful sign-in or refresh hands back: API.md's "session response" plus the cookie value. */
export interface IssuedSession {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: number;
  session: SessionRow;
  user: UserRow;
}

const SUCCESSOR_INFO = 'sesame refresh successor v1';

async function issue(deps: SessionDeps, user: UserRow, session: SessionRow, refreshToken: string): Promise<IssuedSession> {
  const accessToken = await signAccessToken(deps, {
    userId: user.id,
    sessionId: session.id,
    amr: JSON.parse(session.amr) as Amr[],
    email: user.email,
    emailVerified: user.emailVerified,
  });
  return { accessToken, expiresIn: deps.config.accessTokenTtl, refreshToken, refreshExpiresAt: session.absoluteExpiresAt, session, user };
}

/**
 * The one function every sign-in method calls to start a session.
 *
 * `before` statements run first in the same batch (e.g. consuming a link), and `guard`, when given,
 * is an SQL condition that must hold after them for the session to be written at all: so on D1 as
 * on SQLite, either the sign-in step and the session both happen, or neither does. Returns null
 * when the guard failed.
 */
export async function startSession(
  deps: SessionDeps,
  {
    user,
    method,
    amr,
    context = {},
    before = [],
    guard,
  }: { user: UserRow; method: SignInMethod; amr: Amr[]; context?: RequestContext; before?: BatchItem<'sqlite'>[]; guard?: SQL },
): Promise<IssuedSession | null> {
  const { db, config, clock } = deps;
  const now = clock();
  const refreshToken = generateToken();
  const row: SessionRow = {
    id: generateId(),
    userId: user.id,
    createdAt: now,
    lastUsedAt: now,
    idleExpiresAt: now + Math.min(config.sessionIdleTtl, config.sessionAbsoluteTtl) * 1000,
    absoluteExpiresAt: now + config.sessionAbsoluteTtl * 1000,
    revokedAt: null,
    revokedReason: null,
    userAgent: context.userAgent?.slice(0, 512) ?? null,
    clientAddress: context.clientAddress ?? null,
    method,
    amr: JSON.stringify(amr),
    reauthenticatedAt: null,
  };
  const tokenHash = await sha256(refreshToken);
  const cond = guard ?? sql`1`;
  const results = await db.batch([
    ...before,
    db.orm
      .insert(sessions)
      .select(
        sql`SELECT ${row.id}, ${row.userId}, ${row.createdAt}, ${row.lastUsedAt}, ${row.idleExpiresAt}, ${row.absoluteExpiresAt},
            NULL, NULL, ${row.userAgent}, ${row.clientAddress}, ${row.method}, ${row.amr}, NULL WHERE ${cond}`,
      )
      .returning({ id: sessions.id }),
    db.orm
      .insert(refreshTokens)
      .select(sql`SELECT ${tokenHash}, ${row.id}, ${now}, NULL, NULL, NULL WHERE EXISTS (SELECT 1 FROM sessions WHERE id = ${row.id})`),
    auditInsertIf(
      db,
      { at: now, type: 'session.started', userId: user.id, sessionId: row.id, clientAddress: row.clientAddress, userAgent: row.userAgent, detail: { method, amr } },
      sql`EXISTS (SELECT 1 FROM sessions WHERE id = ${row.id})`,
    ),
  ] as unknown as readonly [BatchItem<'sqlite'>]);
  const inserted = results[before.length] as unknown as { id: string }[];
  if (inserted.length !== 1) {
    // The guard failed: nothing of the session (nor its audit row) was written.
    return null;
  }
  return issue(deps, user, row, refreshToken);
}

async function findToken(db: Db, hash: string) {
  const statement = prepared(db, 'sessions.findToken', (orm) =>
    orm
      .select({ token: refreshTokens, session: sessions, user: users })
      .from(refreshTokens)
      .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(refreshTokens.hash, sql.placeholder('hash')))
      .limit(1)
      .prepare(),
  );
  const rows = await statement.all({ hash });
  return rows[0] ?? null;
}

function assertLive(session: SessionRow, now: number): void {
  // A revoked session stays dead, whatever token is shown for it.
  if (session.revokedAt !== null) throw new AuthError('SESSION_REVOKED', 'This session has been signed out');
  if (now >= session.idleExpiresAt || now >= session.absoluteExpiresAt) throw new AuthError('SESSION_EXPIRED', 'This session has expired');
}

/** Exchanges a refresh token for a new pair; see the module header for the reuse rules. */
export async function rotateRefreshToken(deps: SessionDeps, refreshToken: string, context: RequestContext = {}): Promise<IssuedSession> {
  const { db, config, clock } = deps;
  const now = clock();
  const hash = await sha256(refreshToken);
  const found = await findToken(db, hash);
  // Unknown tokens get the same answer as forged ones: nothing to learn by probing.
  if (!found) throw new AuthError('INVALID_TOKEN', 'The refresh token is not valid');
  assertLive(found.session, now);

  if (found.token.rotatedAt === null) {
    const successor = generateToken();
    const successorHash = await sha256(successor);
    const sealed = await seal(refreshToken, SUCCESSOR_INFO, successor);
    const idleExpiresAt = Math.min(now + config.sessionIdleTtl * 1000, found.session.absoluteExpiresAt);
    const rotation = prepared(db, 'sessions.rotate', (orm) => {
      const p = sql.placeholder;
      return [
        // Claim the rotation: only one concurrent request can move rotated_at from NULL.
        orm
          .update(refreshTokens)
          .set({ rotatedAt: sql`${p('now')}`, successorHash: sql`${p('successorHash')}`, successorSealed: sql`${p('sealed')}` })
          .where(
            and(
              eq(refreshTokens.hash, p('hash')),
              isNull(refreshTokens.rotatedAt),
              // A session revoked since we read it (a racing logout) rotates nothing.
              sql`EXISTS (SELECT 1 FROM sessions WHERE id = ${p('sid')} AND revoked_at IS NULL)`,
            ),
          )
          .returning({ hash: refreshTokens.hash })
          .prepare(),
        orm
          .insert(refreshTokens)
          .select(
            sql`SELECT ${p('successorHash')}, ${p('sid')}, ${p('now')}, NULL, NULL, NULL
                WHERE EXISTS (SELECT 1 FROM refresh_tokens WHERE hash = ${p('hash')} AND successor_hash = ${p('successorHash')})`,
          )
          .prepare(),
        orm
          .update(sessions)
          .set({ lastUsedAt: sql`${p('now')}`, idleExpiresAt: sql`${p('idleExpiresAt')}` })
          .where(and(eq(sessions.id, p('sid')), isNull(sessions.revokedAt), sql`EXISTS (SELECT 1 FROM refresh_tokens WHERE hash = ${p('successorHash')})`))
          .returning()
          .prepare(),
      ];
    });
    const values = { now, hash, successorHash, sealed, sid: found.session.id, idleExpiresAt };
    const [claimed, , touched] = (await db.batchPrepared(rotation.map((statement) => ({ statement, values })))) as [
      { hash: string }[],
      unknown,
      SessionRow[],
    ];
    if (claimed.length === 1 && touched.length === 1) return issue(deps, found.user, touched[0]!, successor);
    if (claimed.length === 1) throw new AuthError('SESSION_REVOKED', 'This session has been signed out');
    // Lost the race to a parallel refresh with the same token: answer as a replay.
    const again = await findToken(db, hash);
    if (!again) throw new AuthError('INVALID_TOKEN', 'The refresh token is not valid');
    return answerReplay(deps, refreshToken, again, context);
  }
  return answerReplay(deps, refreshToken, found, context);
}

async function answerReplay(
  deps: SessionDeps,
  presented: string,
  found: NonNullable<Awaited<ReturnType<typeof findToken>>>,
  context: RequestContext,
): Promise<IssuedSession> {
  const { db, config, clock } = deps;
  const now = clock();
  assertLive(found.session, now);
  const rotatedAt = found.token.rotatedAt!;
  // Inside the window a replay is a racing tab: hand back the successor the winner got.
  if (now - rotatedAt <= config.refreshReuseWindow * 1000 && found.token.successorSealed) {
    let token = presented;
    let row = found.token;
    // Follow the chain while each step is itself a recent rotation, so a slow tab gets the newest.
    for (let depth = 0; depth < 8 && row.rotatedAt !== null && row.successorSealed && now - row.rotatedAt <= config.refreshReuseWindow * 1000; depth++) {
      const next = await unseal(token, SUCCESSOR_INFO, row.successorSealed);
      if (!next) break;
      const nextRow = await findToken(db, await sha256(next));
      if (!nextRow) break;
      token = next;
      row = nextRow.token;
    }
    if (token !== presented) {
      const [session] = await db.orm.select().from(sessions).where(eq(sessions.id, found.session.id));
      assertLive(session!, now);
      return issue(deps, found.user, session!, token);
    }
  }
  // Outside the window the old token was stolen or leaked: kill the whole session (RFC 9700 reuse detection).
  await db.batch([
    db.orm
      .update(sessions)
      .set({ revokedAt: now, revokedReason: 'refresh_reuse' })
      .where(and(eq(sessions.id, found.session.id), isNull(sessions.revokedAt))),
    auditInsert(db, {
      at: now,
      type: 'session.refresh_reuse_detected',
      userId: found.user.id,
      sessionId: found.session.id,
      clientAddress: context.clientAddress,
      userAgent: context.userAgent,
      detail: { rotatedAt: new Date(rotatedAt).toISOString() },
    }),
  ]);
  deps.logger.log('warn', 'refresh token reuse detected; session revoked', { sessionId: found.session.id, userId: found.user.id });
  throw new AuthError('REFRESH_TOKEN_REUSED', 'This refresh token was already used; the session has been signed out');
}

/** Revokes the session a refresh token belongs to (logout). Unknown tokens are a no-op. */
export async function logoutByRefreshToken(deps: SessionDeps, refreshToken: string, context: RequestContext = {}): Promise<void> {
  const found = await findToken(deps.db, await sha256(refreshToken));
  if (!found) return;
  await revokeSession(deps, { sessionId: found.session.id, userId: found.user.id, reason: 'logout', context });
}

export async function revokeSession(
  { db, clock }: SessionDeps,
  { sessionId, userId, reason, context = {} }: { sessionId: string; userId: string; reason: 'logout' | 'revoked'; context?: RequestContext },
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
  const statement = prepared(db, 'sessions.bySid', (orm) =>
    orm
      .select({ session: sessions, user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.id, sql.placeholder('sid')))
      .limit(1)
      .prepare(),
  );
  const rows = await statement.all({ sid: claims.sid });
  const row = rows[0];
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
  const refreshToken = generateToken();
  const tokenHash = await sha256(refreshToken);
  const cond = guard ?? sql`1`;
  const results = await db.batch([
    ...before,
    db.orm
      .update(sessions)
      .set({
        reauthenticatedAt: now,
        amr: JSON.stringify(amr),
        lastUsedAt: now,
        idleExpiresAt: sql`min(${now + deps.config.sessionIdleTtl * 1000}, ${sessions.absoluteExpiresAt})`,
      })
      .where(and(eq(sessions.id, sid), eq(sessions.userId, auth.user.id), isNull(sessions.revokedAt), sql`${sessions.absoluteExpiresAt} > ${now}`, cond))
      .returning(),
    db.orm
      .insert(refreshTokens)
      .select(sql`SELECT ${tokenHash}, ${sid}, ${now}, NULL, NULL, NULL WHERE EXISTS (SELECT 1 FROM sessions WHERE id = ${sid} AND reauthenticated_at = ${now})`),
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
      sql`EXISTS (SELECT 1 FROM sessions WHERE id = ${sid} AND reauthenticated_at = ${now})`,
    ),
  ] as unknown as readonly [BatchItem<'sqlite'>]);
  const updated = results[before.length] as unknown as SessionRow[];
  if (updated.length !== 1) return null;
  return issue(deps, auth.user, updated[0]!, refreshToken);
}
