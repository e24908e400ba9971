/** Accounts: one per canonical address. */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/db.js';
import { users } from '../db/schema.js';
import type { UserRow } from './sessions.js';

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
