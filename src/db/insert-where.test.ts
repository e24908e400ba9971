/**
 * insertWhere on a real SQLite file and a real D1: each value lands in its own column whatever
 * order the object lists them in, defaults and driver mappings apply as in a plain insert, and
 * nothing is written while the condition is false.
 */
import { eq, notExists, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { bothDrivers } from '../../test/helpers/both-drivers.js';
import type { Db } from './db.js';
import { insertWhere } from './insert-where.js';
import { rowPlaceholders, rowValues } from './prepared.js';
import { auditEvents, users } from './schema.js';

const drivers = bothDrivers();

describe.each(drivers)('insertWhere on %s', (_name, dbOf) => {
  it('puts each value in its column, in any object order, with defaults and boolean mapping', async () => {
    const db: Db = dbOf();
    // Listed in the reverse of the table's order; emailVerified left to its default (false → 0).
    await insertWhere(db.orm, users, { createdAt: 42, email: 'a@example.com', id: 'u1' }, sql`1`);
    await insertWhere(db.orm, users, { createdAt: 43, emailVerified: true, email: 'b@example.com', id: 'u2' }, sql`1`);
    const rows = await db.orm.select().from(users).orderBy(users.id);
    expect(rows).toEqual([
      { id: 'u1', email: 'a@example.com', emailVerified: false, createdAt: 42 },
      { id: 'u2', email: 'b@example.com', emailVerified: true, createdAt: 43 },
    ]);
  });

  it('numbers an autoincrement key itself and writes NULL for a nullable column left out', async () => {
    const db: Db = dbOf();
    const [row] = await insertWhere(
      db.orm,
      auditEvents,
      { detail: '{"x":1}', type: 'key.rotated', at: 7 },
      sql`1`,
    ).returning();
    expect(row).toMatchObject({
      at: 7,
      type: 'key.rotated',
      userId: null,
      sessionId: null,
      clientAddress: null,
      userAgent: null,
      detail: '{"x":1}',
    });
    expect(typeof row!.id).toBe('number');
  });

  it('writes nothing while the condition is false (here: the address is already taken)', async () => {
    const db: Db = dbOf();
    const taken = (email: string) =>
      notExists(db.orm.select({ one: sql`1` }).from(users).where(eq(users.email, email)));
    const inserted = await insertWhere(
      db.orm,
      users,
      { id: 'u3', email: 'a@example.com', createdAt: 1 },
      taken('a@example.com'),
    ).returning();
    expect(inserted).toEqual([]);
    expect(await db.orm.select().from(users).where(eq(users.id, 'u3'))).toEqual([]);
  });

  it('prepared once with placeholders: each run binds its own row, booleans mapped, NULL kept NULL, the condition a placeholder too', async () => {
    const db: Db = dbOf();
    const shape = { id: '', email: '', emailVerified: false, createdAt: 0 };
    const insert = insertWhere(db.orm, users, rowPlaceholders(shape), sql`${sql.placeholder('go')} = 1`)
      .returning({ id: users.id })
      .prepare();
    const run = (row: typeof shape, go: number) =>
      db.batchPrepared([{ statement: insert, values: { ...rowValues(row), go } }]);
    expect(await run({ id: 'p1', email: 'p1@example.com', emailVerified: true, createdAt: 5 }, 1)).toEqual([
      [{ id: 'p1' }],
    ]);
    expect(await run({ id: 'p2', email: 'p2@example.com', emailVerified: false, createdAt: 6 }, 1)).toEqual([
      [{ id: 'p2' }],
    ]);
    expect(await run({ id: 'p3', email: 'p3@example.com', emailVerified: true, createdAt: 7 }, 0)).toEqual([[]]);
    const rows = await db.orm.select().from(users).where(sql`${users.id} LIKE 'p%'`).orderBy(users.id);
    expect(rows).toEqual([
      { id: 'p1', email: 'p1@example.com', emailVerified: true, createdAt: 5 },
      { id: 'p2', email: 'p2@example.com', emailVerified: false, createdAt: 6 },
    ]);
    // A nullable column given null at run time is NULL, not the column's mapping of null.
    const audit = insertWhere(
      db.orm,
      auditEvents,
      rowPlaceholders({ at: 0, type: '', userId: null as string | null, detail: null as string | null }),
      sql`1`,
    )
      .returning()
      .prepare();
    const [[row]] = (await db.batchPrepared([
      { statement: audit, values: rowValues({ at: 9, type: 'key.rotated', userId: null, detail: null }) },
    ])) as [Record<string, unknown>[]];
    expect(row).toMatchObject({ at: 9, type: 'key.rotated', userId: null, detail: null });
  });
});
