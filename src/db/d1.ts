/**
 * Workers adapter: drizzle over a D1 binding. D1's batch() runs its statements in one implicit
 * transaction and rolls back whole, which is exactly the Db.batch contract.
 */
import { drizzle } from 'drizzle-orm/d1';
import type { Db, Orm } from './db.js';
import { schema } from './schema.js';

export type D1Binding = Parameters<typeof drizzle>[0];

export function createD1Db(binding: D1Binding): Db {
  const orm = drizzle(binding, { schema });
  return {
    driver: 'd1',
    orm: orm as unknown as Orm,
    batch: (items) => orm.batch(items as never) as never,
  };
}
