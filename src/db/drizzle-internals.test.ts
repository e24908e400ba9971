/**
 * Pins what drizzle-internals.ts relies on, on a real SQLite file and a real D1 (workerd via
 * miniflare): the unexported fields are where they were, and the batch executors built on them
 * still give rows for reads and RETURNING, run results otherwise, and drizzle's column mapping.
 */
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { bothDrivers } from '../../test/helpers/both-drivers.js';
import type { Db } from './db.js';
import { signingKeys } from './schema.js';

const key = (kid: string) => ({ kid, alg: 'ES256', publicJwk: '{}', privateJwk: 'plain:{}', createdAt: 1 });

const drivers = bothDrivers();
const sqliteDb = () => drivers[0]![1]();
const d1Db = () => drivers[1]![1]();

describe('the drizzle fields the better-sqlite3 executor reads', () => {
  it('a select carries config.fields, an insert with RETURNING config.returning, a bare insert neither', () => {
    const orm = sqliteDb().orm;
    const select = orm.select().from(signingKeys) as unknown as { config: Record<string, unknown> };
    const returning = orm.insert(signingKeys).values(key('a')).returning() as unknown as {
      config: Record<string, unknown>;
    };
    const bare = orm.insert(signingKeys).values(key('a')) as unknown as { config: Record<string, unknown> };
    expect(select.config.fields).toBeDefined();
    expect(returning.config.returning).toBeDefined();
    expect(bare.config.returning).toBeUndefined();
    expect(bare.config.fields).toBeUndefined();
  });

  it('prepared statements carry executeMethod: run without RETURNING, all with it', () => {
    const orm = sqliteDb().orm;
    const run = orm
      .insert(signingKeys)
      .values({ ...key('p'), kid: sql.placeholder('kid') })
      .prepare() as unknown as { executeMethod: string };
    const all = orm
      .insert(signingKeys)
      .values({ ...key('p'), kid: sql.placeholder('kid') })
      .returning()
      .prepare() as unknown as { executeMethod: string };
    expect(run.executeMethod).toBe('run');
    expect(all.executeMethod).toBe('all');
  });
});

describe('the D1 prepared-statement fields the D1 executor reads', () => {
  it('a prepared D1 query carries stmt.bind, query.params and mapResult', () => {
    const prepared = d1Db()
      .orm.select()
      .from(signingKeys)
      .where(eq(signingKeys.kid, sql.placeholder('kid')))
      .prepare() as unknown as Record<string, unknown> & {
      stmt: Record<string, unknown>;
      query: Record<string, unknown>;
    };
    expect(typeof prepared.stmt.bind).toBe('function');
    expect(Array.isArray(prepared.query.params)).toBe(true);
    expect(typeof prepared.mapResult).toBe('function');
  });
});

describe.each(drivers)('the batch executors on %s', (_name, dbOf) => {
  it('batch(): rows for RETURNING and reads, all or nothing', async () => {
    const db: Db = dbOf();
    const [inserted, , read] = await db.batch([
      db.orm.insert(signingKeys).values(key('b1')).returning({ kid: signingKeys.kid }),
      db.orm.update(signingKeys).set({ retiredAt: 5 }).where(eq(signingKeys.kid, 'b1')),
      db.orm
        .select({ kid: signingKeys.kid, retiredAt: signingKeys.retiredAt })
        .from(signingKeys)
        .where(eq(signingKeys.kid, 'b1')),
    ]);
    expect(inserted).toEqual([{ kid: 'b1' }]);
    expect(read).toEqual([{ kid: 'b1', retiredAt: 5 }]);
    // The second insert collides on the primary key: the whole batch, the first insert too, rolls back.
    await expect(
      db.batch([db.orm.insert(signingKeys).values(key('b2')), db.orm.insert(signingKeys).values(key('b1'))]),
    ).rejects.toThrow();
    expect(await db.orm.select().from(signingKeys).where(eq(signingKeys.kid, 'b2'))).toEqual([]);
  });

  it('batchPrepared(): placeholders filled per call, RETURNING rows mapped to field names', async () => {
    const db: Db = dbOf();
    const insert = db.orm
      .insert(signingKeys)
      .values({ ...key('x'), kid: sql.placeholder('kid'), createdAt: sql.placeholder('createdAt') })
      .returning({ id: signingKeys.kid, created: signingKeys.createdAt })
      .prepare();
    const read = db.orm
      .select({ id: signingKeys.kid })
      .from(signingKeys)
      .where(eq(signingKeys.kid, sql.placeholder('kid')))
      .prepare();
    const results = await db.batchPrepared([
      { statement: insert, values: { kid: 'c1', createdAt: 7 } },
      { statement: insert, values: { kid: 'c2', createdAt: 8 } },
      { statement: read, values: { kid: 'c2' } },
    ]);
    expect(results).toEqual([[{ id: 'c1', created: 7 }], [{ id: 'c2', created: 8 }], [{ id: 'c2' }]]);
  });
});
