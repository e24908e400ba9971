/**
 * Figures for docs/scaling.md: where one SQLite file and one D1 database stop, and the sharded
 * write path measured on local D1 and projected by simulation.
 *
 *   node --import tsx bench/scaling.ts [--sessions 20000] [--d1-users 1000] [--parts A,B,C]
 *
 * A. One SQLite file (better-sqlite3, WAL, synchronous=NORMAL), the real domain code: the time each
 *    sign-in and each rotation holds the single write lock (inside its transaction). 1 / that time
 *    is the most one file can take from any number of processes. Bytes on disk per session.
 * B. Sessions sharded across D1 databases by session id (local D1: workerd through miniflare, one
 *    process on this machine): the real startSession / rotateRefreshToken, each routed to the shard
 *    named by the first character of the session id (which the self-describing refresh token and
 *    the access token's sid both carry: no lookup). Checks that every row lives in its own shard
 *    and every rotation succeeded; measures the time per operation on one local D1.
 * C. A queueing simulation of K shards (each D1 database runs one query at a time): the highest
 *    request rate at which p99 stays under 50 ms, for K = 1..16.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import { parseConfig } from '../src/lib/config.js';
import { buildDeps, type Deps } from '../src/http/deps.js';
import type { Db } from '../src/db/db.js';
import { openSqlite } from '../src/db/better-sqlite3.js';
import { createD1Db, type D1Binding } from '../src/db/d1.js';
import { nodeCryptoPrimitives } from '../src/entry/crypto-node.js';
import { rotateRefreshToken } from '../src/auth/sessions/rotation.js';
import { startSession } from '../src/auth/sessions/sessions.js';
import { hitRateLimit } from '../src/auth/rate-limit.js';
import type { UserRow } from '../src/auth/account/users.js';
import { newUser } from '../src/auth/account/users.js';
import { users } from '../src/db/schema.js';
import { silentLogger } from '../src/lib/log.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SESSIONS = opt('sessions', 20_000);
const D1_USERS = opt('d1-users', 1_000);
/** --parts A (only the SQLite figures) or A,B,C (the default). */
const PARTS = args.includes('--parts') ? String(args[args.indexOf('--parts') + 1]).split(',') : ['A', 'B', 'C'];
const migrations = path.resolve(import.meta.dirname, '../drizzle');
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const env = { SIGNING_KEY_SECRET: 'scaling-benchmark-secret-0123456789abcdef', RATE_LIMIT_PER_MINUTE: '100000000' };

function makeDeps(db: Db, file = ':memory:'): Deps {
  return buildDeps({
    config: parseConfig({ ...env, DATABASE_PATH: file }),
    db,
    logger: silentLogger,
    socketAddress: () => undefined,
    crypto: nodeCryptoPrimitives,
  });
}

/** Wraps a Db so the time spent inside its write transactions is summed. */
function timed(db: Db) {
  const t = { ms: 0, n: 0 };
  const wrapped: Db = {
    ...db,
    batch: async (items) => {
      const s = performance.now();
      const r = await db.batch(items);
      t.ms += performance.now() - s;
      t.n++;
      return r;
    },
    batchPrepared: async (steps) => {
      const s = performance.now();
      const r = await db.batchPrepared(steps);
      t.ms += performance.now() - s;
      t.n++;
      return r;
    },
  };
  return { db: wrapped, t, reset: () => Object.assign(t, { ms: 0, n: 0 }) };
}

async function partA() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-scaling-'));
  const file = path.join(dir, 'sesame.db');
  const handle = openSqlite({ path: file, migrationsFolder: migrations });
  const { db, t, reset } = timed(handle.db);
  const deps = makeDeps(db, file);
  await deps.keys.signingKey();
  const now = Date.now();
  const people: UserRow[] = [];
  const insert = handle.sqlite.transaction((rows: UserRow[]) => {
    for (const u of rows)
      handle.sqlite
        .prepare('INSERT INTO users (id, email, email_verified, created_at) VALUES (?, ?, 1, ?)')
        .run(u.id, u.email, u.createdAt);
  });
  for (let i = 0; i < SESSIONS; i++) people.push(newUser({ email: `u${i}@scale.example`, emailVerified: true, now }));
  insert(people);
  void users;

  reset();
  const tokens: string[] = [];
  const t0 = performance.now();
  for (const user of people) {
    const issued = await startSession(deps, {
      user,
      method: 'email',
      amr: ['otp'],
      context: { userAgent: 'Mozilla/5.0 scaling', clientAddress: '127.0.0.1' },
    });
    tokens.push(issued!.refreshToken);
  }
  const signIn = { writerMs: t.ms / t.n, wallMs: (performance.now() - t0) / SESSIONS };
  reset();
  const t1 = performance.now();
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < tokens.length; i++) tokens[i] = (await rotateRefreshToken(deps, tokens[i]!)).refreshToken;
  }
  const rotation = { writerMs: t.ms / t.n, wallMs: (performance.now() - t1) / (2 * SESSIONS) };
  // Every /auth/* request also hits its address's rate limit: one upsert, its own write transaction.
  const t2 = performance.now();
  for (let i = 0; i < SESSIONS; i++)
    await hitRateLimit(db, {
      key: `auth:10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      limit: 60,
      windowMs: 60_000,
      now: now + i,
    });
  const rateLimit = { writerMs: (performance.now() - t2) / SESSIONS };
  handle.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const byTable = handle.sqlite
    .prepare(
      "SELECT name, sum(pgsize) AS bytes FROM dbstat WHERE name IN ('sessions', 'sqlite_autoindex_sessions_1', 'sessions_user_idx', 'sessions_sealed_idx') GROUP BY name",
    )
    .all() as { name: string; bytes: number }[];
  const sessionBytes = byTable.reduce((a, r) => a + r.bytes, 0) / SESSIONS;
  handle.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { signIn, rotation, rateLimit, sessionBytes, byTable };
}

/** K local D1 databases in one workerd, migrated like `wrangler d1 migrations apply`. */
async function openShards(k: number) {
  const names = Array.from({ length: k }, (_, i) => `S${i}`);
  const mf = new Miniflare({
    modules: true,
    script: 'export default { fetch() { return new Response(null, { status: 404 }) } }',
    d1Databases: names,
  });
  const shards: {
    binding: D1Binding & {
      prepare(q: string): {
        bind(...v: unknown[]): { run(): Promise<unknown>; all(): Promise<{ results: Record<string, unknown>[] }> };
      };
    };
    deps: Deps;
    ops: number;
  }[] = [];
  for (const name of names) {
    const binding = (await mf.getD1Database(name)) as unknown as (typeof shards)[number]['binding'];
    for (const f of fs
      .readdirSync(migrations)
      .filter((x) => x.endsWith('.sql'))
      .sort()) {
      for (const statement of fs.readFileSync(path.join(migrations, f), 'utf8').split('--> statement-breakpoint')) {
        if (statement.trim()) await binding.prepare(statement).bind().run();
      }
    }
    const deps = makeDeps(createD1Db(binding));
    shards.push({ binding, deps, ops: 0 });
  }
  return { mf, shards };
}

/** Runs fn over items with `concurrency` in flight. */
async function pool<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < items.length; i = next++) await fn(items[i]!, i);
    }),
  );
}

async function partB(k: number) {
  const { mf, shards } = await openShards(k);
  try {
    // The shard of a user's sessions: from the user id (so one user's sessions share a shard and
    // "log out everywhere" stays one statement), written into the session id's first character.
    const shardOfUser = (userId: string) => createHash('sha256').update(userId).digest()[0]! % k;
    const shardOfSession = (sid: string) => ALPHABET.indexOf(sid[0]!);
    const now = Date.now();
    const people = Array.from({ length: D1_USERS }, (_, i) =>
      newUser({ email: `d${i}@scale.example`, emailVerified: true, now }),
    );
    for (const u of people) {
      const s = shards[shardOfUser(u.id)]!;
      await s.binding
        .prepare('INSERT INTO users (id, email, email_verified, created_at) VALUES (?, ?, 1, ?)')
        .bind(u.id, u.email, u.createdAt)
        .run();
    }
    for (const s of shards) await s.deps.keys.signingKey();
    const tokens: string[] = new Array(D1_USERS);
    const t0 = performance.now();
    await pool(people, 32, async (user, i) => {
      const k0 = shardOfUser(user.id);
      const shard = shards[k0]!;
      const sessionId =
        ALPHABET[k0]! +
        Buffer.from(crypto.getRandomValues(new Uint8Array(16)))
          .toString('base64url')
          .slice(1);
      const issued = await startSession(shard.deps, { user, method: 'email', amr: ['otp'], sessionId });
      shard.ops++;
      tokens[i] = issued!.refreshToken;
    });
    const signInMs = performance.now() - t0;
    const t1 = performance.now();
    let failures = 0;
    for (let round = 0; round < 2; round++) {
      await pool(tokens, 32, async (token, i) => {
        // Routing needs nothing but the token: its first field is the session id.
        const shard = shards[shardOfSession(token.split('.')[0]!)]!;
        try {
          tokens[i] = (await rotateRefreshToken(shard.deps, token)).refreshToken;
          shard.ops++;
        } catch {
          failures++;
        }
      });
    }
    const rotateMs = performance.now() - t1;
    // Every session lives in exactly the shard its id names, at generation 2.
    let misplaced = 0;
    let total = 0;
    for (const [i, s] of shards.entries()) {
      const rows = (await s.binding.prepare('SELECT id, refresh_gen FROM sessions').bind().all()).results;
      total += rows.length;
      misplaced += rows.filter((r) => shardOfSession(String(r.id)) !== i || r.refresh_gen !== 2).length;
    }
    return {
      k,
      signInPerS: D1_USERS / (signInMs / 1000),
      rotationPerS: (2 * D1_USERS) / (rotateMs / 1000),
      signInMs: signInMs / D1_USERS,
      rotationMs: rotateMs / (2 * D1_USERS),
      perShard: shards.map((s) => s.ops),
      failures,
      misplaced,
      total,
    };
  } finally {
    await mf.dispose();
  }
}

/**
 * K single-threaded shards (one query at a time, as D1 runs), Poisson arrivals spread by a uniform
 * hash; refreshes are 2 queries (read, conditional update), sign-ins 7 (reads, then one batch).
 * Returns the highest total rate (binary search) with p99 latency under `p99Ms`.
 */
function simulate({
  k,
  queryMs,
  signInShare,
  p99Ms = 50,
  arrivals = 200_000,
}: {
  k: number;
  queryMs: number;
  signInShare: number;
  p99Ms?: number;
  arrivals?: number;
}) {
  // mulberry32: a small seeded PRNG, so runs repeat.
  let seed = 42;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return (((x ^ (x >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const p99At = (rate: number) => {
    const free = new Array<number>(k).fill(0);
    const latencies = new Float64Array(arrivals);
    let t = 0;
    for (let i = 0; i < arrivals; i++) {
      t += -Math.log(rand()) / rate;
      const shard = Math.floor(rand() * k);
      const service = ((rand() < signInShare ? 7 : 2) * queryMs) / 1000;
      const start = Math.max(t, free[shard]!);
      free[shard] = start + service;
      latencies[i] = free[shard]! - t;
    }
    latencies.sort();
    return latencies[Math.floor(arrivals * 0.99)]! * 1000;
  };
  void p99Ms;
  let lo = 1;
  let hi = (k / (((signInShare * 7 + (1 - signInShare) * 2) * queryMs) / 1000)) * 1.2;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (p99At(mid) < p99Ms) lo = mid;
    else hi = mid;
  }
  return lo;
}

async function main() {
  console.log(
    `# bench/scaling.ts — ${new Date().toISOString()}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
  if (!PARTS.includes('A')) throw new Error('--parts: part A always runs (B and C may be left out)');
  const a = await partA();
  console.log(`\n## A. One SQLite file (${SESSIONS.toLocaleString('en-US')} sessions, real domain code)`);
  console.log(
    `sign-in batch: ${a.signIn.writerMs.toFixed(3)} ms holding the write lock (${a.signIn.wallMs.toFixed(3)} ms in all, one process) -> writer ceiling ${Math.round(1000 / a.signIn.writerMs).toLocaleString('en-US')}/s`,
  );
  console.log(
    `rotation:      ${a.rotation.writerMs.toFixed(3)} ms holding the write lock (${a.rotation.wallMs.toFixed(3)} ms in all, one process) -> writer ceiling ${Math.round(1000 / a.rotation.writerMs).toLocaleString('en-US')}/s`,
  );
  console.log(
    `rate-limit hit: ${a.rateLimit.writerMs.toFixed(3)} ms holding the write lock (the whole upsert) -> writer ceiling ${Math.round(1000 / a.rateLimit.writerMs).toLocaleString('en-US')}/s`,
  );
  console.log(
    `sessions table + its indexes: ${Math.round(a.sessionBytes)} bytes per session (${a.byTable.map((r) => `${r.name} ${Math.round(r.bytes / SESSIONS)}`).join(', ')})`,
  );
  const b: Awaited<ReturnType<typeof partB>>[] = [];
  if (PARTS.includes('B')) for (const k of [1, 4]) b.push(await partB(k));
  if (b.length > 0)
    console.log(
      `\n## B. Sessions sharded by id across local D1 databases (${D1_USERS.toLocaleString('en-US')} sign-ins, then 2 rotations each, 32 in flight)`,
    );
  if (b.length > 0) {
    console.log(
      '| shards | sign-ins/s | rotations/s | ms per sign-in | ms per rotation | operations per shard | failed | rows in the wrong shard |',
    );
    console.log('|--:|--:|--:|--:|--:|---|--:|--:|');
  }
  for (const r of b)
    console.log(
      `| ${r.k} | ${Math.round(r.signInPerS)} | ${Math.round(r.rotationPerS)} | ${r.signInMs.toFixed(2)} | ${r.rotationMs.toFixed(2)} | ${r.perShard.join(' / ')} | ${r.failures} | ${r.misplaced} of ${r.total} |`,
    );
  if (!PARTS.includes('C')) return;
  console.log('\n## C. Simulation: highest request rate with p99 < 50 ms (5% sign-ins, 95% refreshes)');
  console.log("| shards | at 1 ms per query (D1 docs' rule of thumb) | at 0.5 ms per query |");
  console.log('|--:|--:|--:|');
  for (const k of [1, 2, 4, 8, 16]) {
    console.log(
      `| ${k} | ${Math.round(simulate({ k, queryMs: 1, signInShare: 0.05 })).toLocaleString('en-US')}/s | ${Math.round(simulate({ k, queryMs: 0.5, signInShare: 0.05 })).toLocaleString('en-US')}/s |`,
    );
  }
}

await main();
