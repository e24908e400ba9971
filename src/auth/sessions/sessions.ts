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
 *
 * This file starts sessions and holds what the steps share; beside it: rotation.ts (refresh and
 * reuse), legacy-tokens.ts (tokens from before self-describing ones), manage.ts (list, sign out,
 * revoke), presence.ts (live-session checks and re-authentication).
 */
import { eq, sql } from 'drizzle-orm';
import type { Config } from '../../lib/config.js';
import type { Db, PreparedStep } from '../../db/db.js';
import { allOf, prepared, rowPlaceholders, rowValues, type PreparedCondition } from '../../db/prepared.js';
import { sessions, users } from '../../db/schema.js';
import type { Logger } from '../../lib/log.js';
import type { Metrics } from '../../metrics/metrics.js';
import { signAccessToken, type Amr } from './access-tokens.js';
import { auditStepIf } from '../../audit/audit.js';
import { generateId, type CryptoPrimitives } from '../../lib/crypto.js';
import { mintRefreshToken } from './refresh-tokens.js';
import { AuthError } from '../errors.js';
import type { KeyStore } from './signing-keys.js';
import type { ServerSecrets } from '../server-secrets.js';
import type { Locale } from '../../i18n/locales.js';
import { accountDisabled, isDisabled, notDisabled } from '../account/users.js';
import { anyRow } from '../../db/conditions.js';
import { insertWhere } from '../../db/insert-where.js';
import type { UserRow } from '../account/users.js';

/** revoked_reason of the sessions an administrator's disable ended (src/admin/users.ts). */
export const DISABLED_REASON = 'admin_disabled';

export type SignInMethod = 'passkey' | 'email';
export type SessionRow = typeof sessions.$inferSelect;

export interface SessionDeps {
  db: Db;
  config: Config;
  clock: () => number;
  keys: KeyStore;
  logger: Logger;
  secrets: ServerSecrets;
  metrics: Metrics;
  crypto: CryptoPrimitives;
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

/** HKDF info of the sealed successor (see rotation.ts). */
export const SUCCESSOR_INFO = 'sesame refresh successor v1';

/** The session response's contents for a session and its new refresh token: signs the access token. */
export async function issueSession(
  deps: SessionDeps,
  user: UserRow,
  session: SessionRow,
  refreshToken: string,
): Promise<IssuedSession> {
  const accessToken = await signAccessToken(deps, {
    userId: user.id,
    sessionId: session.id,
    amr: JSON.parse(session.amr) as Amr[],
    email: user.email,
    emailVerified: user.emailVerified,
  });
  return {
    accessToken,
    expiresIn: deps.config.accessTokenTtl,
    refreshToken,
    refreshExpiresAt: session.absoluteExpiresAt,
    session,
    user,
  };
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
    /** Statements prepared once (db/prepared.ts) that run first in the same batch. */
    before?: PreparedStep[];
    /** A condition that must hold after `before` for the session to be written at all. */
    guard?: PreparedCondition;
    /** Default: 128 random bits. A sharded deployment may encode the shard in it (docs/scaling.md). */
    sessionId?: string;
  },
): Promise<IssuedSession | null> {
  const { db, config, clock } = deps;
  const now = clock();
  const id = sessionId ?? generateId();
  const refreshToken = await mintRefreshToken(deps, id, 0);
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
    refreshHash: await deps.crypto.sha256(refreshToken),
    refreshAt: now,
    refreshPrevHash: null,
    refreshPrevSealed: null,
    refreshPrevAt: null,
    dbscKey: null,
    dbscBoundAt: null,
    dbscOfferedAt: null,
  };
  // A disabled account gets no session, whichever way it proves itself (checked in the batch, so a
  // disable racing this sign-in wins).
  const cond = allOf(guard, notDisabled(user.id));
  // Every sign-in runs this batch: its statements are prepared once per database and guard shape.
  const insert = prepared(db, `sessions.start ${cond.key}`, (orm) =>
    insertWhere(orm, sessions, rowPlaceholders(row), cond.build()).returning({ id: sessions.id }).prepare(),
  );
  const results = await db.batchPrepared([
    ...before,
    { statement: insert, values: rowValues(row, cond.values) },
    auditStepIf(
      db,
      {
        at: now,
        type: 'session.started',
        userId: user.id,
        sessionId: row.id,
        clientAddress: row.clientAddress,
        userAgent: row.userAgent,
        detail: { method, amr },
      },
      sessionWritten(row.id),
    ),
  ]);
  const inserted = results[before.length] as { id: string }[];
  if (inserted.length !== 1) {
    // The guard failed: nothing of the session (nor its audit row) was written.
    if (await isDisabled(db, user.id)) throw accountDisabled();
    return null;
  }
  return issueSession(deps, user, row, refreshToken);
}

/** Holds, later in the batch, when the session was written. */
const sessionWritten = (id: string): PreparedCondition => ({
  key: 'sessionWritten',
  build: () => anyRow(sessions, eq(sessions.id, sql.placeholder('written.sid'))),
  values: { 'written.sid': id },
});

export function assertLive(session: SessionRow, now: number): void {
  // A revoked session stays dead, whatever token is shown for it.
  if (session.revokedAt !== null) {
    // Sessions ended by disabling the account say so (API.md: 401 ACCOUNT_DISABLED).
    if (session.revokedReason === DISABLED_REASON) throw accountDisabled();
    throw new AuthError('SESSION_REVOKED', 'This session has been signed out');
  }
  if (now >= session.idleExpiresAt || now >= session.absoluteExpiresAt)
    throw new AuthError('SESSION_EXPIRED', 'This session has expired');
}

export const invalidToken = () => new AuthError('INVALID_TOKEN', 'The refresh token is not valid');

export async function sessionById(db: Db, sid: string): Promise<{ session: SessionRow; user: UserRow } | null> {
  const statement = prepared(db, 'sessions.bySid', (orm) =>
    orm
      .select({ session: sessions, user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.id, sql.placeholder('sid')))
      .prepare(),
  );
  return (await statement.get({ sid })) ?? null;
}
