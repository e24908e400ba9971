/**
 * Workers adapter: drizzle over a D1 binding. D1's batch() runs its statements in one implicit
 * transaction and rolls back whole, which is exactly the Db.batch contract.
 */
import { fillPlaceholders } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import type { Db, Orm } from './db.js';
import { schema } from './schema.js';

export type D1Binding = Parameters<typeof drizzle>[0];

interface D1Prepared {
  stmt: { bind(...values: unknown[]): unknown };
  query: { params: unknown[] };
  mapResult(result: unknown, isFromBatch: boolean): unknown;
}

export function createD1Db(binding: D1Binding): Db {
  const orm = drizzle(binding, { schema });
  return {
    driver: 'd1',
    orm: orm as unknown as Orm,
    batch: (items) => orm.batch(items as never) as never,
    // What drizzle's own D1 batch does, minus building the SQL: bind, batch, map the results.
    batchPrepared: async (steps) => {
      const queries = steps.map(({ statement }) => statement as unknown as D1Prepared);
      const bound = queries.map((q, i) => q.stmt.bind(...fillPlaceholders(q.query.params, steps[i]!.values ?? {})));
      const results = await (binding as unknown as { batch(s: unknown[]): Promise<unknown[]> }).batch(bound);
      return results.map((result, i) => queries[i]!.mapResult(result, true));
    },
  };
}
