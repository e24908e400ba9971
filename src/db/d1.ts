/**
 * Workers adapter: drizzle over a D1 binding. D1's batch() runs its statements in one implicit
 * transaction and rolls back whole, which is exactly the Db.batch contract.
 */
import { drizzle } from 'drizzle-orm/d1';
import type { Db, Orm } from './db.js';
import { bindD1Prepared, mapD1Result } from './drizzle-internals.js';
import { schema } from './schema.js';

export type D1Binding = Parameters<typeof drizzle>[0];

export function createD1Db(binding: D1Binding): Db {
  const orm = drizzle(binding, { schema });
  return {
    driver: 'd1',
    orm: orm as unknown as Orm,
    batch: (items) => orm.batch(items as never) as never,
    // What drizzle's own D1 batch does, minus building the SQL: bind, batch, map the results.
    batchPrepared: async (steps) => {
      const bound = steps.map(({ statement, values }) => bindD1Prepared(statement, values));
      const results = await (binding as unknown as { batch(s: unknown[]): Promise<unknown[]> }).batch(bound);
      return results.map((result, i) => mapD1Result(steps[i]!.statement, result));
    },
  };
}
