/** Accounts: one per canonical address. */
import { eq, sql } from 'drizzle-orm';
import { anyRow, noRow } from '../../db/conditions.js';
import { insertWhere } from '../../db/insert-where.js';
import type { Db, PreparedStep } from '../../db/db.js';
import { prepared, rowPlaceholders, rowValues, type PreparedCondition } from '../../db/prepared.js';
import { disabledUsers, users } from '../../db/schema.js';
import { AuthError } from '../errors.js';

export type UserRow = typeof users.$inferSelect;

/** Read on every email sign-in: prepared once per database (db/prepared.ts). */
export async function findUserByEmail(db: Db, email: string): Promise<UserRow | null> {
  const statement = prepared(db, 'users.byEmail', (orm) =>
    orm
      .select()
      .from(users)
      .where(eq(users.email, sql.placeholder('email')))
      .prepare(),
  );
  return (await statement.get({ email })) ?? null;
}

export async function findUserById(db: Db, id: string): Promise<UserRow | null> {
  const statement = prepared(db, 'users.byId', (orm) =>
    orm
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder('id')))
      .prepare(),
  );
  return (await statement.get({ id })) ?? null;
}

/** A new account's row; ids are random UUIDs so they reveal neither order nor count. */
export function newUser({
  email,
  emailVerified,
  now,
}: {
  email: string;
  emailVerified: boolean;
  now: number;
}): UserRow {
  return { id: crypto.randomUUID(), email, emailVerified, createdAt: now };
}

/** For a prepared batch: creates the account `user` when `cond` holds (insertWhere, prepared once per condition shape). */
export function createUserStep(db: Db, user: UserRow, cond: PreparedCondition): PreparedStep {
  const statement = prepared(db, `users.create ${cond.key}`, (orm) =>
    insertWhere(orm, users, rowPlaceholders(user), cond.build()).prepare(),
  );
  return { statement, values: rowValues(user, cond.values) };
}

/** Condition for prepared statements: the account exists. */
export const accountExists = (userId: string): PreparedCondition => ({
  key: 'accountExists',
  build: () => anyRow(users, eq(users.id, sql.placeholder('exists.userId'))),
  values: { 'exists.userId': userId },
});

/** Condition for prepared statements: the account is not disabled by an administrator (see src/admin/users.ts). */
export const notDisabled = (userId: string): PreparedCondition => ({
  key: 'notDisabled',
  build: () => noRow(disabledUsers, eq(disabledUsers.userId, sql.placeholder('notDisabled.userId'))),
  values: { 'notDisabled.userId': userId },
});

export async function isDisabled(db: Db, userId: string): Promise<boolean> {
  const [row] = await db.orm
    .select({ at: disabledUsers.disabledAt })
    .from(disabledUsers)
    .where(eq(disabledUsers.userId, userId))
    .limit(1);
  return row !== undefined;
}

/** Whether the account with this canonical address is disabled (no account: false). */
export async function isAddressDisabled(db: Db, email: string): Promise<boolean> {
  const rows = await db.orm
    .select({ at: disabledUsers.disabledAt })
    .from(disabledUsers)
    .innerJoin(users, eq(users.id, disabledUsers.userId))
    .where(eq(users.email, email))
    .limit(1);
  return rows.length > 0;
}

export const accountDisabled = () =>
  new AuthError('ACCOUNT_DISABLED', 'This account has been disabled by the service’s administrators');
