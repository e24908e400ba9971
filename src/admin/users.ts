/**
 * What an administrator does to accounts (API.md "Administration"): find, look at, disable,
 * enable, delete, and sign out everywhere. Every change is one all-or-nothing batch that carries
 * its own audit row naming the admin key; the webhook outbox rows ride on those audit rows
 * (drizzle/0009_webhook_outbox_triggers.sql), so the events commit with the change.
 *
 * Disabling revokes every session in the same batch, and the sign-in paths refuse a disabled
 * account (startSession, requireLiveSession, rotateRefreshToken: 401 ACCOUNT_DISABLED); no sign-in
 * mail goes to it (startEmailSignIn).
 */
import { and, desc, eq, gt, isNull, lt, max, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/db.js';
import { auditEvents, disabledUsers, passkeys, sessions, users } from '../db/schema.js';
import { anyRow, previousStatementChangedARow, rowCount, scalar } from '../db/conditions.js';
import { accountDeletion } from '../auth/account/account-deletion.js';
import { auditInsert, auditInsertIf } from '../audit/audit.js';
import { AuthError } from '../auth/errors.js';
import { DISABLED_REASON, type RequestContext } from '../auth/sessions/sessions.js';
import type { AdminKey } from './admin-keys.js';
import { decodeCursor, encodeCursor, parseLimit } from './paging.js';

export interface AdminUser {
  id: string;
  email: string;
  emailVerified: boolean;
  createdAt: number;
  disabled: boolean;
  /** Passkeys registered. */
  passkeys: number;
  /** Live sessions (not revoked, not expired). */
  sessions: number;
  lastSignInAt: number | null;
}

/** Who acted: the admin key (recorded by name and id) and where the request came from. */
export interface Actor {
  key: Pick<AdminKey, 'id' | 'name'>;
  context?: RequestContext;
}

type AdminDeps = { db: Db; clock: () => number };

const MAX_QUERY = 320;

function selectAdminUsers(db: Db, now: number) {
  return db.orm
    .select({
      id: users.id,
      email: users.email,
      emailVerified: users.emailVerified,
      createdAt: users.createdAt,
      disabledAt: scalar<number | null>(disabledUsers, disabledUsers.disabledAt, eq(disabledUsers.userId, users.id)),
      passkeys: rowCount(passkeys, eq(passkeys.userId, users.id)).mapWith(Number),
      sessions: rowCount(
        sessions,
        and(
          eq(sessions.userId, users.id),
          isNull(sessions.revokedAt),
          gt(sessions.idleExpiresAt, now),
          gt(sessions.absoluteExpiresAt, now),
        ),
      ).mapWith(Number),
      // Sign-ins are audited with their session, so the audit log knows the last one (within retention).
      lastSignInAt: scalar<number | null>(
        auditEvents,
        max(auditEvents.at),
        and(eq(auditEvents.userId, users.id), eq(auditEvents.type, 'session.started')),
      ),
    })
    .from(users);
}

type Row = Awaited<ReturnType<ReturnType<typeof selectAdminUsers>['where']>>[number];

function toAdminUser(row: Row): AdminUser {
  return {
    id: row.id,
    email: row.email,
    emailVerified: row.emailVerified,
    createdAt: row.createdAt,
    disabled: row.disabledAt !== null,
    passkeys: Number(row.passkeys),
    sessions: Number(row.sessions),
    lastSignInAt: row.lastSignInAt === null ? null : Number(row.lastSignInAt),
  };
}

/** Newest accounts first; `query` matches any part of the address, ignoring case. */
export async function listUsers(
  { db, clock }: AdminDeps,
  { query, limit: rawLimit, cursor: rawCursor }: { query?: string; limit?: string; cursor?: string },
): Promise<{ users: AdminUser[]; nextCursor: string | null }> {
  const limit = parseLimit(rawLimit);
  const cursor = decodeCursor(rawCursor, { c: 'number', i: 'string' });
  if (query !== undefined && query.length > MAX_QUERY)
    throw new AuthError('INVALID_REQUEST', `query: at most ${MAX_QUERY} characters`);
  const conditions: SQL[] = [];
  if (query) conditions.push(sql`instr(lower(${users.email}), lower(${query})) > 0`);
  if (cursor)
    conditions.push(or(lt(users.createdAt, cursor.c), and(eq(users.createdAt, cursor.c), lt(users.id, cursor.i)))!);
  const rows = await selectAdminUsers(db, clock())
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(users.createdAt), desc(users.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    users: page.map(toAdminUser),
    nextCursor: rows.length > limit && last ? encodeCursor({ c: last.createdAt, i: last.id }) : null,
  };
}

export async function getAdminUser({ db, clock }: AdminDeps, id: string): Promise<AdminUser | null> {
  const [row] = await selectAdminUsers(db, clock()).where(eq(users.id, id)).limit(1);
  return row ? toAdminUser(row) : null;
}

async function mustGet(deps: AdminDeps, id: string): Promise<AdminUser> {
  const user = await getAdminUser(deps, id);
  if (!user) throw new AuthError('NOT_FOUND', 'No such user');
  return user;
}

const actorAudit = (
  now: number,
  userId: string,
  { key, context = {} }: Actor,
  detail: Record<string, unknown> = {},
) => ({
  at: now,
  userId,
  clientAddress: context.clientAddress,
  userAgent: context.userAgent,
  detail: { keyId: key.id, keyName: key.name, ...detail },
});

/**
 * Disables the account and revokes every session at once (one batch). Disabling a disabled
 * account changes nothing and records nothing.
 */
export async function disableUser(
  deps: AdminDeps,
  { userId, actor }: { userId: string; actor: Actor },
): Promise<AdminUser> {
  await mustGet(deps, userId);
  const { db, clock } = deps;
  const now = clock();
  const reason = DISABLED_REASON;
  await db.batch([
    db.orm.insert(disabledUsers).values({ userId, disabledAt: now, disabledBy: actor.key.id }).onConflictDoNothing(),
    // Every session ends now: refresh cookies and access tokens of this account answer 401 from here on.
    db.orm
      .update(sessions)
      .set({ revokedAt: now, revokedReason: reason })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt))),
    auditInsertIf(
      db,
      { type: 'admin.user_disabled', ...actorAudit(now, userId, actor, { reason }) },
      anyRow(disabledUsers, and(eq(disabledUsers.userId, userId), eq(disabledUsers.disabledAt, now))),
    ),
  ]);
  return mustGet(deps, userId);
}

export async function enableUser(
  deps: AdminDeps,
  { userId, actor }: { userId: string; actor: Actor },
): Promise<AdminUser> {
  await mustGet(deps, userId);
  const { db, clock } = deps;
  const now = clock();
  await db.batch([
    db.orm.delete(disabledUsers).where(eq(disabledUsers.userId, userId)),
    auditInsertIf(db, { type: 'admin.user_enabled', ...actorAudit(now, userId, actor) }, previousStatementChangedARow),
  ]);
  return mustGet(deps, userId);
}

/**
 * Deletes the account as its owner's own deletion does (auth/account/account-deletion.ts): passkeys and
 * sessions by cascade, pending links, codes and mail, the address out of the audit log; the
 * 'admin.user_deleted' row names the key.
 */
export async function deleteUser(deps: AdminDeps, { userId, actor }: { userId: string; actor: Actor }): Promise<void> {
  const user = await mustGet(deps, userId);
  const { db, clock } = deps;
  const audit = { type: 'admin.user_deleted' as const, ...actorAudit(clock(), userId, actor) };
  const [deleted] = (await db.batch(accountDeletion(db, { id: userId, email: user.email, audit }))) as unknown as [
    { id: string }[],
  ];
  if (deleted.length !== 1) throw new AuthError('NOT_FOUND', 'No such user');
}

/** Signs the account out everywhere; returns how many sessions were live. */
export async function revokeUserSessions(
  deps: AdminDeps,
  { userId, actor }: { userId: string; actor: Actor },
): Promise<number> {
  await mustGet(deps, userId);
  const { db, clock } = deps;
  const now = clock();
  const reason = 'admin_revoked';
  const [revoked] = await db.batch([
    db.orm
      .update(sessions)
      .set({ revokedAt: now, revokedReason: reason })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id }),
    auditInsert(db, { type: 'admin.sessions_revoked', ...actorAudit(now, userId, actor, { reason }) }),
  ]);
  return revoked.length;
}
