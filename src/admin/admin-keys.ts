/**
 * Administration keys (API.md "Administration"): made on the command line (src/entry/cli/admin-key.ts)
 * or, once, by exchanging ADMIN_BOOTSTRAP_SECRET (Workers, where there is no shell on the database).
 *
 * A key reads `sak_<id>_<secret>`: `id` (12 hex digits) is the visible prefix that tells keys apart
 * in lists and in the audit log; `secret` is 256 random bits. Only the SHA-256 of the whole key is
 * stored, and a presented key is compared with it in constant time. Revoked keys stay listed.
 */
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/db.js';
import { adminKeys } from '../db/schema.js';
import { anyRow, noRow } from '../db/conditions.js';
import { valuesWhere } from '../db/insert-where.js';
import { auditInsert, auditInsertIf } from '../audit/audit.js';
import { generateToken, randomBytes, sha256, timingSafeEqual } from '../lib/crypto.js';
import { AuthError } from '../auth/errors.js';

export const ADMIN_SCOPES = ['users:read', 'users:write', 'metrics:read'] as const;
export type AdminScope = (typeof ADMIN_SCOPES)[number];

export interface AdminKey {
  id: string;
  name: string;
  scopes: AdminScope[];
  createdAt: number;
  createdBy: 'cli' | 'bootstrap';
  lastUsedAt: number | null;
  revokedAt: number | null;
}

type AdminKeyDeps = { db: Db; clock: () => number };

const KEY_FORMAT = /^sak_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
/** lastUsedAt is written at most this often per key, so reads do not turn into writes. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const isAdminKeyFormat = (value: string) => KEY_FORMAT.test(value);

/** "users:read,metrics:read" -> scopes; empty or absent -> every scope (API.md). */
export function parseScopes(raw: string | undefined): AdminScope[] {
  if (raw === undefined || raw.trim() === '') return [...ADMIN_SCOPES];
  const scopes = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const scope of scopes) {
    if (!(ADMIN_SCOPES as readonly string[]).includes(scope))
      throw new AuthError(
        'INVALID_REQUEST',
        `scopes: unknown scope ${JSON.stringify(scope)} (known: ${ADMIN_SCOPES.join(', ')})`,
      );
  }
  return [...new Set(scopes)] as AdminScope[];
}

export function checkKeyName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw.trim() : '';
  if (!/^[\p{L}\p{N} ._@:-]{1,64}$/u.test(name))
    throw new AuthError('INVALID_REQUEST', 'name: 1 to 64 letters, digits, spaces or ._@:- characters');
  return name;
}

function toKey(row: typeof adminKeys.$inferSelect): AdminKey {
  return {
    id: row.id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as AdminScope[],
    createdAt: row.createdAt,
    createdBy: row.createdBy as AdminKey['createdBy'],
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

/**
 * Makes a key and returns it in full: the only time it exists outside its holder. With
 * `onlyIfNone`, the insert happens only while the table is empty (the bootstrap exchange), in one
 * conditional statement, so two racing exchanges cannot both get a key; null then means "not empty".
 */
export async function createAdminKey(
  { db, clock }: AdminKeyDeps,
  {
    name: rawName,
    scopes,
    createdBy,
    onlyIfNone = false,
  }: { name: string; scopes: AdminScope[]; createdBy: AdminKey['createdBy']; onlyIfNone?: boolean },
): Promise<{ key: string; record: AdminKey } | null> {
  const name = checkKeyName(rawName);
  const id = [...randomBytes(6)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const key = `sak_${id}_${generateToken()}`;
  const now = clock();
  const hash = await sha256(key);
  const scopesJson = JSON.stringify(scopes);
  const [inserted] = await db.batch([
    db.orm
      .insert(adminKeys)
      .select(
        valuesWhere(
          adminKeys,
          { id, name, hash, scopes: scopesJson, createdAt: now, createdBy, lastUsedAt: null, revokedAt: null },
          // Names tell keys apart; the bootstrap exchange makes a key only while there is none at all.
          and(noRow(adminKeys, eq(adminKeys.name, name)), onlyIfNone ? noRow(adminKeys) : undefined)!,
        ),
      )
      .returning(),
    auditInsertIf(
      db,
      { at: now, type: 'admin.key_created', detail: { keyId: id, keyName: name, scopes, createdBy } },
      anyRow(adminKeys, eq(adminKeys.id, id)),
    ),
  ]);
  const row = inserted[0];
  if (!row) {
    if (onlyIfNone) return null;
    throw new AuthError('INVALID_REQUEST', `name: a key named ${JSON.stringify(name)} exists already`);
  }
  return { key, record: toKey(row) };
}

export async function listAdminKeys(db: Db): Promise<AdminKey[]> {
  return (await db.orm.select().from(adminKeys).orderBy(asc(adminKeys.createdAt))).map(toKey);
}

/** Revokes by id (the prefix shown by `list`, with or without `sak_`) or by name; null when there is no such live key. */
export async function revokeAdminKey({ db, clock }: AdminKeyDeps, idOrName: string): Promise<AdminKey | null> {
  const id = idOrName.replace(/^sak_/, '');
  const now = clock();
  const [row] = await db.orm
    .update(adminKeys)
    .set({ revokedAt: now })
    .where(and(sql`(${adminKeys.id} = ${id} OR ${adminKeys.name} = ${idOrName})`, isNull(adminKeys.revokedAt)))
    .returning();
  if (!row) return null;
  await auditInsert(db, { at: now, type: 'admin.key_revoked', detail: { keyId: row.id, keyName: row.name } });
  return toKey(row);
}

/** The live key a presented value is, or null (unknown, malformed, wrong secret or revoked: all alike). */
export async function authenticateAdminKey({ db, clock }: AdminKeyDeps, presented: string): Promise<AdminKey | null> {
  const match = KEY_FORMAT.exec(presented);
  if (!match) return null;
  const [row] = await db.orm.select().from(adminKeys).where(eq(adminKeys.id, match[1]!)).limit(1);
  // Hash first, then compare in constant time: the stored hash leaks nothing through timing.
  const hash = await sha256(presented);
  if (!row || !timingSafeEqual(hash, row.hash)) return null;
  // A revoked key is refused exactly like an unknown one.
  if (row.revokedAt !== null) return null;
  const now = clock();
  if (row.lastUsedAt === null || now - row.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
    await db.orm.update(adminKeys).set({ lastUsedAt: now }).where(eq(adminKeys.id, row.id));
  }
  return toKey(row);
}
