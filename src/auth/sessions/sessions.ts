/**
 * Sessions and refresh tokens: the heart every sign-in method ends in.
 *
 * - A session is one sign-in. Its id is the `sid` claim and survives refreshes.
 * - A refresh token names its session and generation and carries 256 random bits, bound by a MAC
 *   (src/auth/sessions/refresh-tokens.ts). The session row keeps only the current generation's SHA-256 and
 *   the previous one's with its sealed successor: storage does not grow with rotations. A rotation
 *   is one conditional UPDATE (D1 has no interactive transactions: the statement itself checks the
 *   generation and hash it read), so one of two racing requests wins, in any process.
 * - Reuse (RFC 9700 §4.14.2): the previous token presented within REFRESH_REUSE_WINDOW of its
 *   rotation gets the same successor (two tabs racing); any older genuine token, or the previous
 *   one later, revokes the whole session. No row is needed for that: the MAC tells a token we
 *   minted from a forgery, and its generation tells it is old.
 * - Idle expiry slides with use but never past the absolute expiry fixed at sign-in.
 */
import { and, eq, getTableColumns, isNull, sql, type SQL } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Config } from '../../lib/config.js';
import type { Db } from '../../db/db.js';
import { prepared } from '../../db/prepared.js';
import { refreshTokens, sessions, users } from '../../db/schema.js';
import type { Logger } from '../../lib/log.js';
import { signAccessToken, type AccessTokenClaims, type Amr } from './access-tokens.js';
import { auditInsert, auditInsertIf } from '../../audit/audit.js';
import { generateId, seal, sha256, timingSafeEqual, unseal } from '../../lib/crypto.js';
import { hasValidTag, mintRefreshToken, parseRefreshToken, type ParsedRefreshToken } from './refresh-tokens.js';
import { assertDeviceFresh } from './dbsc-freshness.js';
import { AuthError } from '../errors.js';
import type { KeyStore } from './signing-keys.js';
import type { ServerSecrets } from '../server-secrets.js';
import type { Locale } from '../../i18n/locales.js';
import { accountDisabled, isDisabled, notDisabled } from '../account/users.js';

/** revoked_reason of the sessions an administrator's disable ended (src/admin/users.ts). */
export const DISABLED_REASON = 'admin_disabled';

export type SignInMethod = 'passkey' | 'email';
export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;

export interface SessionDeps {
  db: Db;
  config: Config;
  clock: () => number;
  keys: KeyStore;
  logger: Logger;
  secrets: ServerSecrets;
}

/** Where a request came from; recorded with the session and in the audit log. */
export interface RequestContext {
  userAgent?: string | null;
  clientAddress?: string | null;
  /** The language mails caused by this request are written in (cookie, then Accept-Language). */
  locale?: Locale;
}

/** What every successful sign-in or refresh hands back: API.md's "session response" plus the cookie value. */
export interface IssuedSession {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: number;
  session: SessionRow;
  user: UserRow;
  /** A refresh answered from inside the reuse window (a racing tab), not a new rotation. */
  replayed?: boolean;
}

const SUCCESSOR_INFO = 'sesame refresh successor v1';

/** The session response's contents for a session and its new refresh token: signs the access token. */
export async function issueSession(deps: SessionDeps, user: UserRow, session: SessionRow, refreshToken: string): Promise<IssuedSession> {
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
    sessionId,
  }: {
    user: UserRow;
    method: SignInMethod;
    amr: Amr[];
    context?: RequestContext;
    before?: BatchItem<'sqlite'>[];
    guard?: SQL;
    /** Default: 128 random bits. A sharded deployment may encode the shard in it (docs/scaling.md). */
    sessionId?: string;
  },
): Promise<IssuedSession | null> {
  const { db, config, clock } = deps;
  const now = clock();
  const id = sessionId ?? generateId();
  const refreshToken = await mintRefreshToken(await deps.secrets.refreshTokenKey(), id, 0);
  const row: SessionRow = {
    id,
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
    refreshGen: 0,
    refreshHash: await sha256(refreshToken),
    refreshAt: now,
    refreshPrevHash: null,
    refreshPrevSealed: null,
    refreshPrevAt: null,
    dbscKey: null,
    dbscBoundAt: null,
  };
  // A disabled account gets no session, whichever way it proves itself (checked in the batch, so a
  // disable racing this sign-in wins).
  const cond = sql`${guard ?? sql`1`} AND ${notDisabled(user.id)}`;
  const results = await db.batch([
    ...before,
    db.orm
      .insert(sessions)
      .select(sql`SELECT ${insertValues(sessions, row)} WHERE ${cond}`)
      .returning({ id: sessions.id }),
    auditInsertIf(
      db,
      { at: now, type: 'session.started', userId: user.id, sessionId: row.id, clientAddress: row.clientAddress, userAgent: row.userAgent, detail: { method, amr } },
      sql`EXISTS (SELECT 1 FROM sessions WHERE id = ${row.id})`,
    ),
  ] as unknown as readonly [BatchItem<'sqlite'>]);
  const inserted = results[before.length] as unknown as { id: string }[];
  if (inserted.length !== 1) {
    // The guard failed: nothing of the session (nor its audit row) was written.
    if (await isDisabled(db, user.id)) throw accountDisabled();
    return null;
  }
  return issueSession(deps, user, row, refreshToken);
}

/** A row's values in the table's own column order (what drizzle's INSERT ... SELECT lists), from the schema. */
function insertValues<T extends typeof sessions>(table: T, row: T['$inferInsert']): SQL {
  const values = Object.entries(getTableColumns(table))
    .filter(([, column]) => column.generated === undefined)
    .map(([key]) => sql`${(row as Record<string, unknown>)[key] ?? null}`);
  return sql.join(values, sql`, `);
}

function assertLive(session: SessionRow, now: number): void {
  // A revoked session stays dead, whatever token is shown for it.
  if (session.revokedAt !== null) {
    // Sessions ended by disabling the account say so (API.md: 401 ACCOUNT_DISABLED).
    if (session.revokedReason === DISABLED_REASON) throw accountDisabled();
    throw new AuthError('SESSION_REVOKED', 'This session has been signed out');
  }
  if (now >= session.idleExpiresAt || now >= session.absoluteExpiresAt) throw new AuthError('SESSION_EXPIRED', 'This session has expired');
}

const invalidToken = () => new AuthError('INVALID_TOKEN', 'The refresh token is not valid');

async function sessionById(db: Db, sid: string): Promise<{ session: SessionRow; user: UserRow } | null> {
  const statement = prepared(db, 'sessions.bySid', (orm) =>
    orm
      .select({ session: sessions, user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.id, sql.placeholder('sid')))
      .limit(1)
      .prepare(),
  );
  const rows = await statement.all({ sid });
  return rows[0] ?? null;
}

/** Exchanges a refresh token for a new pair; see the module header for the reuse rules. */
export async function rotateRefreshToken(deps: SessionDeps, refreshToken: string, context: RequestContext = {}): Promise<IssuedSession> {
  const parsed = parseRefreshToken(refreshToken);
  if (!parsed) return rotateLegacyToken(deps, refreshToken, context);
  const { db, config, clock } = deps;
  const now = clock();
  const found = await sessionById(db, parsed.sessionId);
  // Unknown tokens get the same answer as forged ones: nothing to learn by probing.
  if (!found || found.session.refreshGen === null || found.session.refreshHash === null) throw invalidToken();
  const hash = await sha256(refreshToken);
  const { session } = found;
  const currentHash = session.refreshHash!;
  if (parsed.generation !== session.refreshGen || !timingSafeEqual(hash, currentHash)) {
    return answerOlderGeneration(deps, refreshToken, parsed, hash, found, context);
  }
  assertLive(session, now);
  await assertDeviceFresh(deps, { session, issuedAt: session.refreshAt, context });
  const successor = await mintRefreshToken(await deps.secrets.refreshTokenKey(), session.id, session.refreshGen + 1);
  const sealed = await seal(refreshToken, SUCCESSOR_INFO, successor);
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
        refreshPrevAt: sql`"refresh_at"`,
        lastUsedAt: sql`${p('now')}`,
        idleExpiresAt: sql`${p('idleExpiresAt')}`,
      })
      .where(and(eq(sessions.id, p('sid')), eq(sessions.refreshGen, p('gen')), eq(sessions.refreshHash, p('hash')), isNull(sessions.revokedAt)))
      .returning()
      .prepare();
  });
  const idleExpiresAt = Math.min(now + config.sessionIdleTtl * 1000, session.absoluteExpiresAt);
  const values = { now, hash, successorHash: await sha256(successor), sealed, sid: session.id, gen: session.refreshGen, idleExpiresAt };
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
  const isPrevious = parsed.generation === current - 1 && session.refreshPrevHash !== null && timingSafeEqual(hash, session.refreshPrevHash);
  // Only a token we minted may revoke: a guessed session id with a made-up tag must not sign anyone out.
  if (!isPrevious && (parsed.generation >= current || !(await hasValidTag(await deps.secrets.refreshTokenKey(), parsed)))) throw invalidToken();
  // A genuine token one generation back whose hash differs was minted by a rotation that lost its race and never handed out.
  if (parsed.generation === current - 1 && !isPrevious) throw invalidToken();
  assertLive(session, now);
  // A bound session: an older token issued (at the latest when the previous generation was) more
  // than DBSC_COOKIE_TTL ago is refused without the reuse revocation a thief could use against the owner.
  await assertDeviceFresh(deps, { session, issuedAt: session.refreshPrevAt, context });
  if (isPrevious && session.refreshAt !== null && now - session.refreshAt <= window && session.refreshPrevSealed) {
    const next = await unseal(presented, SUCCESSOR_INFO, session.refreshPrevSealed);
    if (next) return { ...(await issueSession(deps, user, session, next)), replayed: true };
  }
  if (isPrevious && session.refreshAt !== null && now - session.refreshAt <= window && !session.refreshPrevSealed) {
    // Replaced by a re-authentication a moment ago (no successor is sealed to it): not a thief.
    throw new AuthError('INVALID_TOKEN', 'The refresh token was superseded; retry with the current cookie', { keepCookie: true });
  }
  if (parsed.generation === current - 2 && session.refreshPrevAt !== null && now - session.refreshPrevAt <= window) {
    // Two rotations inside one reuse window: a very slow racing tab, not a thief. Only the
    // previous generation's successor is kept, so it gets no token, but the session lives and the
    // browser keeps its (newer) cookie.
    throw new AuthError('INVALID_TOKEN', 'The refresh token was superseded; retry with the current cookie', { keepCookie: true });
  }
  const rotatedAt = isPrevious ? session.refreshAt : parsed.generation === current - 2 ? session.refreshPrevAt : null;
  return revokeForReuse(deps, { session, user }, context, {
    generation: parsed.generation,
    currentGeneration: current,
    ...(rotatedAt !== null ? { rotatedAt: new Date(rotatedAt).toISOString() } : {}),
  });
}

/** Outside the window an old token was stolen or leaked: kill the whole session (RFC 9700 reuse detection). */
async function revokeForReuse(
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

// ---------------------------------------------------------------------------------------------
// Tokens issued before self-describing tokens: one `refresh_tokens` row each. The current one
// rotates once into the session's columns; the rows stay (no new ones) for reuse detection.

async function findLegacyToken(db: Db, hash: string) {
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

async function rotateLegacyToken(deps: SessionDeps, refreshToken: string, context: RequestContext): Promise<IssuedSession> {
  const { db, config, clock } = deps;
  const now = clock();
  const hash = await sha256(refreshToken);
  const found = await findLegacyToken(db, hash);
  if (!found) throw invalidToken();
  assertLive(found.session, now);
  if (found.token.rotatedAt !== null) return answerLegacyReplay(deps, refreshToken, found, context);

  const successor = await mintRefreshToken(await deps.secrets.refreshTokenKey(), found.session.id, 0);
  const successorHash = await sha256(successor);
  const sealed = await seal(refreshToken, SUCCESSOR_INFO, successor);
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
          sql`EXISTS (SELECT 1 FROM sessions WHERE id = ${found.session.id} AND revoked_at IS NULL)`,
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
          sql`EXISTS (SELECT 1 FROM refresh_tokens WHERE hash = ${hash} AND successor_hash = ${successorHash})`,
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
  const rotatedAt = found.token.rotatedAt!;
  // Inside the window a replay is a racing tab: hand back the successor the winner got.
  if (now - rotatedAt <= window && found.token.successorSealed) {
    let token = presented;
    let row = found.token;
    // Follow the chain while each step is itself a recent rotation, so a slow tab gets the newest.
    for (let depth = 0; depth < 8 && row.rotatedAt !== null && row.successorSealed && now - row.rotatedAt <= window; depth++) {
      const next = await unseal(token, SUCCESSOR_INFO, row.successorSealed);
      if (!next) break;
      token = next;
      if (parseRefreshToken(next)) break;
      const nextRow = await findLegacyToken(db, await sha256(next));
      if (!nextRow) break;
      row = nextRow.token;
    }
    if (token !== presented) {
      const current = await sessionById(db, found.session.id);
      if (!current) throw invalidToken();
      assertLive(current.session, now);
      const parsed = parseRefreshToken(token);
      // The first self-describing token may itself have rotated inside the window: its successor is sealed to it.
      if (parsed && parsed.generation === current.session.refreshGen! - 1 && current.session.refreshPrevSealed && now - current.session.refreshAt! <= window) {
        const newer = await unseal(token, SUCCESSOR_INFO, current.session.refreshPrevSealed);
        if (newer) token = newer;
      }
      return { ...(await issueSession(deps, found.user, current.session, token)), replayed: true };
    }
  }
  return revokeForReuse(deps, found, context, { rotatedAt: new Date(rotatedAt).toISOString() });
}

/** Revokes the session a refresh token belongs to (logout). Unknown tokens are a no-op. */
export async function logoutByRefreshToken(deps: SessionDeps, refreshToken: string, context: RequestContext = {}): Promise<void> {
  const parsed = parseRefreshToken(refreshToken);
  if (!parsed) {
    const found = await findLegacyToken(deps.db, await sha256(refreshToken));
    if (found) await revokeSession(deps, { sessionId: found.session.id, userId: found.user.id, reason: 'logout', context });
    return;
  }
  const found = await sessionById(deps.db, parsed.sessionId);
  // Any token this session ever had signs it out (as a rotated row did before); a forged one does nothing.
  if (!found || found.session.refreshGen === null || parsed.generation > found.session.refreshGen) return;
  if (!(await hasValidTag(await deps.secrets.refreshTokenKey(), parsed))) return;
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
        refreshPrevHash: auth.session.refreshGen === null ? null : sql`"refresh_hash"`,
        refreshPrevSealed: null,
        refreshPrevAt: auth.session.refreshGen === null ? null : sql`"refresh_at"`,
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
      sql`EXISTS (SELECT 1 FROM sessions WHERE id = ${sid} AND reauthenticated_at = ${now})`,
    ),
  ] as unknown as readonly [BatchItem<'sqlite'>]);
  const updated = results[before.length] as unknown as SessionRow[];
  if (updated.length !== 1) return null;
  return issueSession(deps, auth.user, updated[0]!, refreshToken);
}
