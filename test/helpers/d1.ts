/**
 * A real D1 database from the Workers runtime (workerd through miniflare, offline), with the
 * drizzle migrations applied the way `wrangler d1 migrations apply` does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import { createD1Db, type D1Binding } from '../../src/db/d1.js';
import type { Db } from '../../src/db/db.js';

export interface D1Handle {
  /** The D1 Sessions API bookmark after the latest query, when the Db runs through a session. */
  bookmark?: () => string | null;
  db: Db;
  binding: D1Binding;
  all(sqlText: string, ...params: unknown[]): Promise<Record<string, unknown>[]>;
  exec(sqlText: string): Promise<void>;
  dispose(): Promise<void>;
}

export async function openTestD1({ session }: { session?: string } = {}): Promise<D1Handle> {
  const mf = new Miniflare({
    modules: true,
    script: 'export default { fetch() { return new Response(null, { status: 404 }) } }',
    d1Databases: ['DB'],
  });
  const binding = (await mf.getD1Database('DB')) as unknown as D1Binding & {
    prepare(q: string): {
      bind(...v: unknown[]): { all(): Promise<{ results: Record<string, unknown>[] }>; run(): Promise<unknown> };
    };
  };
  const dir = path.resolve(import.meta.dirname, '../../drizzle');
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    for (const statement of fs.readFileSync(path.join(dir, file), 'utf8').split('--> statement-breakpoint')) {
      if (statement.trim()) await binding.prepare(statement).bind().run();
    }
  }
  // The Sessions API (read replication): every query of the Db goes through one session.
  const queried = session
    ? ((binding as unknown as { withSession(c: string): D1Binding }).withSession(session) as D1Binding)
    : binding;
  return {
    db: createD1Db(queried),
    binding,
    bookmark: session ? () => (queried as unknown as { getBookmark(): string | null }).getBookmark() : undefined,
    all: async (q, ...params) =>
      (
        await binding
          .prepare(q)
          .bind(...params)
          .all()
      ).results,
    exec: async (q) => void (await binding.prepare(q).bind().run()),
    dispose: () => mf.dispose(),
  };
}
