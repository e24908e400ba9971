/** Accounts: one per canonical address. */
import { eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { disabledUsers, users } from '../../db/schema.js';
import { AuthError } from '../errors.js';

export type UserRow = typeof users.$inferSelect;

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | null> {
  const [row] = await db.orm.select().from(users).where(eq(users.email, email)).limit(1);
  return row ?? null;
}

export async function findUserById(db: Db, id: string): Promise<UserRow | null> {
  const [row] = await db.orm.select().from(users).where(eq(users.id, id)).limit(1);
  return row ?? null;
}

/** A new account's row; ids are random UUIDs so they reveal neither order nor count. */
export function newUser({ email, emailVerified, now }: { email: string; emailVerified: boolean; now: number }): UserRow {
  return { id: crypto.randomUUID(), email, emailVerified, createdAt: now };
}

/** SQL condition: the account is not disabled by an administrator (see src/admin/users.ts). */
export const notDisabled = (userId: string): SQL => sql`NOT EXISTS (SELECT 1 FROM disabled_users WHERE user_id = ${userId})`;

export async function isDisabled(db: Db, userId: string): Promise<boolean> {
  const [row] = await db.orm.select({ at: disabledUsers.disabledAt }).from(disabledUsers).where(eq(disabledUsers.userId, userId)).limit(1);
  return row !== undefined;
}

/** Whether the account with this canonical address is disabled (no account: false). */
export async function isAddressDisabled(db: Db, email: string): Promise<boolean> {
  const rows = await db.orm.all(sql`SELECT 1 FROM disabled_users d JOIN users u ON u.id = d.user_id WHERE u.email = ${email} LIMIT 1`);
  return rows.length > 0;
}

export const accountDisabled = () => new AuthError('ACCOUNT_DISABLED', 'This account has been disabled by the service’s administrators');
