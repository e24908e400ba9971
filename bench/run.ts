/**
 * `npm run bench` (and `npm run bench:smoke`): Sesame's hot paths under load, next to a bare floor
 * (bench/floor-server.ts) and better-auth (bench/better-auth-server.ts), in one run, on this machine.
 *
 * Every server is its own child process on 127.0.0.1 (the load generator never shares its event
 * loop), started on a SQLite file seeded beforehand (bench/lib/seed.ts). One target runs at a
 * time; each operation gets a warm-up, then a measured autocannon run of --duration seconds with
 * --connections connections; the server's CPU time comes from /proc/<pid>/stat.
 *
 * Options: --size N (sessions, default 100k; 1M works), --duration S (10), --warmup S (5),
 * --connections N (32), --targets sesame,floor,better-auth, --ops me,refresh,passkey,email,
 * --smoke (1.5 s per op, --size 2000, writes nothing), --no-write / --write, --out FILE,
 * --cpu-prof (profiles the Sesame server: node --cpu-prof), --keep (keep the temp directory).
 * Exit status: 0 when every server started and every operation ran with successes; 1 otherwise.
 * No timing is asserted.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { parseArgs } from 'node:util';
import { SoftAuthenticator } from '../test/helpers/soft-authenticator.js';
import { available } from './lib/bench-deps.js';
import { runLoad, header, type Driver, type LoadResult } from './lib/load.js';
import { BENCH_DIR, ROOT_DIR } from './lib/paths.js';
import { writeReport, printReport, type OpName, type OpRecord, type RunInfo, type TargetName } from './lib/report.js';
import {
  insertBetterAuthChallenges,
  insertChallenges,
  seedBetterAuth,
  seedFloor,
  seedSesame,
  userStorage,
  type SeedResult,
  type SeedSpec,
} from './lib/seed.js';
import type { StorageFigures } from './lib/report.js';
import { freePort, runScript, ServerStartError, startServer, type RunningServer } from './lib/servers.js';

const REFRESH_COOKIE = '__Host-sesame_refresh';
const BA_COOKIE = 'better-auth.session_token';
/** Rates used only to size the prepared pools (passkey assertions, link tokens); a run that uses a pool up stops early and says so. */
const POOL_RATE = { passkey: 4000, email: 4000 };
const ALL_OPS: OpName[] = ['me', 'refresh', 'passkey', 'email'];
const ALL_TARGETS: TargetName[] = ['sesame', 'sesame-2', 'floor', 'better-auth'];

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmM]?)$/.exec(text.trim().replace(/_/g, ''));
  if (!m) throw new Error(`--size: expected a number like 100000, 100k or 1M, got ${text}`);
  const n = Number(m[1]) * (m[2]?.toLowerCase() === 'k' ? 1e3 : m[2]?.toLowerCase() === 'm' ? 1e6 : 1);
  if (!Number.isInteger(n) || n < 100 || n > 5_000_000)
    throw new Error('--size must be a whole number between 100 and 5,000,000');
  return n;
}

const { values: args } = parseArgs({
  options: {
    size: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    targets: { type: 'string' },
    ops: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    write: { type: 'boolean' },
    'no-write': { type: 'boolean', default: false },
    out: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'sesame-root': { type: 'string' },
  },
  strict: true,
});

const smoke = args.smoke!;
const size = parseSize(args.size ?? (smoke ? '2000' : '100000'));
const durationSec = Number(args.duration ?? (smoke ? 1.5 : 10));
const warmupSec = Number(args.warmup ?? (smoke ? 0.5 : 5));
const C = Number(args.connections ?? 32);
if (!(durationSec > 0 && durationSec <= 120)) throw new Error('--duration must be in (0, 120] seconds');
if (!(warmupSec >= 0 && warmupSec <= 60)) throw new Error('--warmup must be in [0, 60] seconds');
if (!Number.isInteger(C) || C < 1 || C > 256) throw new Error('--connections must be 1..256');
if (size < 3 * C)
  throw new Error(`--size must be at least 3 × --connections (${3 * C}): each connection drives its own sessions`);
const ops = (args.ops?.split(',').map((s) => s.trim()) ?? ALL_OPS) as OpName[];
for (const op of ops) if (!ALL_OPS.includes(op)) throw new Error(`--ops: unknown ${op} (known: ${ALL_OPS.join(', ')})`);
let targets = (args.targets?.split(',').map((s) => s.trim()) ?? ALL_TARGETS) as TargetName[];
for (const t of targets)
  if (!ALL_TARGETS.includes(t)) throw new Error(`--targets: unknown ${t} (known: ${ALL_TARGETS.join(', ')})`);
const write = args.write ?? (!smoke && !args['no-write']);
const outFile = path.resolve(ROOT_DIR, args.out ?? 'docs/benchmarks.md');
/** Another checkout of Sesame to measure (A/B of a change); this repository by default. */
const sesameRoot = path.resolve(args['sesame-root'] ?? ROOT_DIR);
if (!fs.existsSync(path.join(sesameRoot, 'src/entry/node.ts')))
  throw new Error(`--sesame-root: no src/entry/node.ts under ${sesameRoot}`);

const notes: string[] = [];
if (sesameRoot !== ROOT_DIR) notes.push(`Sesame measured from ${sesameRoot}, not this checkout.`);
if (targets.includes('better-auth') && !(await available('better-auth'))) {
  notes.push('better-auth is not installed in bench/node_modules: left out of this run.');
  targets = targets.filter((t) => t !== 'better-auth');
}

const poolSeconds = warmupSec + durationSec;
const emailPool = ops.includes('email') ? Math.ceil(POOL_RATE.email * poolSeconds * 1.3) : 0;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-bench-'));
const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

// ---------------------------------------------------------------------------------------------
// Drivers: how each connection builds its requests.

const json: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json' });
const ok = (status: number) => status >= 200 && status < 300;

/** Each connection signs its own static request (Bearer / cookie). */
function staticDriver(
  build: (slot: number) => { method: 'GET' | 'POST'; path: string; headers: Record<string, string> },
  check: (status: number, body: string) => boolean,
): Driver {
  return {
    connection(slot) {
      const req = build(slot);
      return { next: () => req, onResponse: (status, body) => check(status, body) };
    },
  };
}

/** Each connection walks its own rotation chain: the Set-Cookie of a response is the next request's cookie. */
function refreshChainDriver(chains: string[]): Driver {
  return {
    connection(slot) {
      const i = slot % chains.length;
      return {
        next: () => ({
          method: 'POST',
          path: '/auth/refresh',
          headers: { ...json, cookie: `${REFRESH_COOKIE}=${chains[i]}` },
          body: '{}',
        }),
        onResponse(status, _body, headers) {
          if (status !== 200) return false;
          for (const line of header(headers, 'set-cookie')) {
            const m = new RegExp(`^${REFRESH_COOKIE}=([^;]+)`).exec(line);
            if (m) {
              chains[i] = m[1]!;
              return true;
            }
          }
          return false;
        },
      };
    },
  };
}

/** Prepared single-use requests: one queue per connection (passkey counters must grow in order), or one shared queue. */
function queueDriver(queues: LoadRequestQueue[], check: (status: number) => boolean = ok): Driver {
  return {
    connection(slot) {
      const q = queues[slot % queues.length]!;
      return { next: () => (q.i < q.items.length ? q.items[q.i++]! : null), onResponse: (status) => check(status) };
    },
  };
}
interface LoadRequestQueue {
  items: { method: 'GET' | 'POST'; path: string; headers?: Record<string, string>; body?: string }[];
  i: number;
}

// ---------------------------------------------------------------------------------------------
// Preparation against a running server.

/**
 * A preparation request. fetch keeps connections alive and may pick one the server is closing at
 * that moment (its keep-alive timeout): a failure to connect or read is tried again.
 */
async function post(server: RunningServer, pathname: string, headers: Record<string, string>, body = '{}') {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(server.url + pathname, { method: 'POST', headers: { ...json, ...headers }, body });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      if (attempt >= 3 || server.child.exitCode !== null) {
        const cause = (err as { cause?: unknown }).cause;
        throw new Error(
          `POST ${pathname}: ${String(err)}${cause ? ` (${String(cause)})` : ''}${server.child.exitCode !== null ? ` — ${server.name} exited; see ${server.logFile}` : ''}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Access tokens for the authenticated call: one refresh per connection's session. */
async function accessTokens(server: RunningServer, seed: SeedResult): Promise<string[]> {
  const out: string[] = [];
  for (let c = 0; c < C; c++) {
    const { status, text } = await post(server, '/auth/refresh', {
      cookie: `${REFRESH_COOKIE}=${seed.knownSessions[c]!.token}`,
    });
    if (status !== 200)
      throw new Error(`preparing access tokens: POST /auth/refresh answered ${status}: ${text.slice(0, 200)}`);
    out.push((JSON.parse(text) as { accessToken: string }).accessToken);
  }
  return out;
}

/**
 * Per connection, a queue of assertions signed ahead by that connection's authenticator (its
 * counter grows along the queue), over challenges shaped like the server's own options answer
 * and stored as its options endpoint stores them (insertChallenges).
 */
async function preparePasskeys(
  server: RunningServer,
  target: 'sesame' | 'floor',
  file: string,
  auths: SoftAuthenticator[],
  origin: string,
  perSlot: number,
): Promise<Driver> {
  const { status, text } = await post(server, '/auth/passkeys/login/options', {});
  if (status !== 200) throw new Error(`POST /auth/passkeys/login/options answered ${status}: ${text.slice(0, 200)}`);
  const template = JSON.parse(text) as {
    challenge: string;
    rpId?: string;
    allowCredentials?: unknown[];
    userVerification?: string;
    timeout?: number;
  };
  if (!template.challenge || template.rpId !== 'localhost' || (template.allowCredentials ?? []).length !== 0)
    throw new Error(`unexpected login/options answer: ${text.slice(0, 200)}`);
  const challenges: string[] = [];
  const queues: LoadRequestQueue[] = auths.map((auth) => {
    const q: LoadRequestQueue = { items: [], i: 0 };
    for (let k = 0; k < perSlot; k++) {
      const challenge = randomBytes(32).toString('base64url');
      challenges.push(challenge);
      const assertion = auth.getAssertion({ options: { ...template, challenge, allowCredentials: [] }, origin });
      q.items.push({
        method: 'POST',
        path: '/auth/passkeys/login/verify',
        headers: json,
        body: JSON.stringify({ response: assertion }),
      });
    }
    return q;
  });
  insertChallenges(target, file, challenges, Date.now());
  return queueDriver(queues, (st) => st === 200);
}

/** One software authenticator per connection, its credential made for a user id chosen now (the user handle). */
function makeAuthenticators(origin: string): { auths: SoftAuthenticator[]; passkeys: SeedSpec['passkeys'] } {
  const auths: SoftAuthenticator[] = [];
  const passkeys: SeedSpec['passkeys'] = [];
  for (let c = 0; c < C; c++) {
    const auth = new SoftAuthenticator({ algorithm: 'ES256' });
    const userId = randomUUID();
    const email = `user${c}@bench.example`;
    auth.createCredential({
      options: {
        rp: { id: 'localhost', name: 'Sesame' },
        user: { id: Buffer.from(userId, 'utf8').toString('base64url'), name: email, displayName: email },
        challenge: randomBytes(32).toString('base64url'),
        pubKeyCredParams: [{ alg: -7, type: 'public-key' }],
      },
      origin,
    });
    const cred = auth.credentials[0]!;
    auths.push(auth);
    passkeys.push({ id: cred.id, cosePublicKey: cred.publicKey, userIndex: c, userId });
  }
  return { auths, passkeys };
}

// ---------------------------------------------------------------------------------------------
// One target: seed, start, run its operations, stop.

const records: OpRecord[] = [];
const seeds: Partial<Record<TargetName, SeedResult>> = {};
const storage: Partial<Record<TargetName, StorageFigures>> = {};
/** The tables that hold a user with one session and one passkey, per target. */
const USER_TABLES: Record<TargetName, string[]> = {
  sesame: ['users', 'sessions', 'refresh_tokens', 'passkeys'],
  'sesame-2': ['users', 'sessions', 'refresh_tokens', 'passkeys'],
  floor: ['users', 'sessions', 'refresh_tokens', 'passkeys'],
  'better-auth': ['user', 'session', 'passkey'],
};
/** Rotations performed, read from the database: Sesame counts generations, the floor rotated rows. */
function rotationsIn(target: TargetName, file: string): number {
  if (target === 'better-auth') return 0;
  const sql =
    target === 'floor'
      ? 'SELECT count(*) AS n FROM refresh_tokens WHERE rotated_at IS NOT NULL'
      : 'SELECT coalesce(sum(refresh_gen), 0) AS n FROM sessions';
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}
let failures = 0;

/** Requests the warm-up's autocannon cut off may still be in the server: let them finish before measuring. */
const settle = () => new Promise((r) => setTimeout(r, 500));

async function warmUp(server: RunningServer, warm: Driver): Promise<LoadResult | null> {
  if (warmupSec <= 0) return null;
  const result = await runLoad({ server, driver: warm, connections: C, durationSec: warmupSec });
  await settle();
  return result;
}

async function measure(
  target: TargetName,
  op: OpName,
  label: string,
  server: RunningServer,
  warm: Driver | null,
  driver: Driver | (() => Promise<Driver>),
) {
  if (warm) await warmUp(server, warm);
  const result = await runLoad({
    server,
    driver: typeof driver === 'function' ? await driver() : driver,
    connections: C,
    durationSec,
  });
  records.push({ target, op, label, result });
  const r = result;
  log(
    `${target.padEnd(11)} ${label.padEnd(32)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  ` +
      `cpu ${r.cpuMsPerRequest.toFixed(3)} ms/req  non-2xx ${r.non2xx}  failed ${r.failed}${r.exhausted ? '  (pool used up: stopped early)' : ''}`,
  );
  if (r.requests - r.failed <= 0) {
    failures++;
    log(`${target} ${label}: no successful response`);
  }
}

function recordSkip(target: TargetName, op: OpName, label: string, note: string) {
  records.push({ target, op, label, result: null, note });
  log(`${target.padEnd(11)} ${label.padEnd(32)} skipped: ${note}`);
}

async function routeExists(server: RunningServer, pathname: string): Promise<boolean> {
  const { status } = await post(server, pathname, {}, '{}');
  return status !== 404;
}

/** Sesame (one process, or WEB_CONCURRENCY=2) and the floor speak the same requests. */
async function runSesameLike(target: 'sesame' | 'sesame-2' | 'floor') {
  const isSesame = target !== 'floor';
  const signingKeySecret = randomBytes(32).toString('base64url');
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const dir = path.join(tmp, target);
  fs.mkdirSync(dir);
  const file = path.join(dir, `${target}.db`);
  const { auths, passkeys } = makeAuthenticators(origin);
  const spec: SeedSpec = { size, connections: C, emailPool, passkeys, now: Date.now(), signingKeySecret };
  log(`${target}: seeding ${size.toLocaleString('en')} sessions…`);
  let seed: SeedResult;
  if (isSesame) {
    const { openSqlite } = (await import(
      pathToFileURL(path.join(sesameRoot, 'src/db/better-sqlite3.ts')).href
    )) as typeof import('../src/db/better-sqlite3.js');
    const handle = openSqlite({ path: file });
    seed = seedSesame(handle.sqlite, file, spec);
  } else {
    seed = seedFloor(file, spec);
  }
  if (target !== 'sesame-2') seeds[target] = seed;
  log(
    `${target}: seeded ${seed.users.toLocaleString('en')} users, ${seed.sessions.toLocaleString('en')} sessions in ${(seed.ms / 1000).toFixed(1)} s (${(seed.fileBytes / 1e6).toFixed(0)} MB)`,
  );
  const seededBytes = userStorage(file, USER_TABLES[target]).bytes;

  const env: Record<string, string> = isSesame
    ? {
        DATABASE_PATH: file,
        PUBLIC_URL: origin,
        RATE_LIMIT_PER_MINUTE: '100000000',
        RATE_LIMIT_EMAILS_PER_HOUR: '1000000',
        SIGNING_KEY_SECRET: signingKeySecret,
        NODE_ENV: 'development',
        WEB_CONCURRENCY: target === 'sesame-2' ? '2' : '1',
      }
    : { DATABASE_PATH: file, PUBLIC_URL: origin };
  const nodeArgs =
    target === 'sesame' && args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.join(dir, 'profiles')}`] : [];
  const script = isSesame ? 'src/entry/node.ts' : path.relative(ROOT_DIR, path.join(BENCH_DIR, 'floor-server.ts'));
  const cwd = isSesame ? sesameRoot : ROOT_DIR;
  const server = await startServer({ name: target, script, env, logDir: dir, port, nodeArgs, cwd });
  if (target === 'sesame-2') {
    // /healthz answers once the first worker listens; wait for the primary's "serving" line (all workers up).
    const deadline = Date.now() + 120_000;
    while (!fs.readFileSync(server.logFile, 'utf8').includes('2 processes)')) {
      if (Date.now() > deadline || server.child.exitCode !== null)
        throw new ServerStartError(`sesame-2: the workers did not all start; see ${server.logFile}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  log(`${target}: serving on ${server.url} (pid ${server.pid}, log ${server.logFile})`);
  const storageNow = () => {
    const now = userStorage(file, USER_TABLES[target]);
    return { afterBytes: now.bytes, rotations: rotationsIn(target, file), tokenRows: now.rows.refresh_tokens ?? 0 };
  };
  let afterRotations: ReturnType<typeof storageNow> | undefined;
  try {
    for (const op of ops) {
      try {
        if (op === 'me') {
          const tokens = await accessTokens(server, seed);
          const d = staticDriver(
            (s) => ({ method: 'GET', path: '/api/me', headers: { authorization: `Bearer ${tokens[s % C]}` } }),
            (st) => st === 200,
          );
          await measure(target, op, 'GET /api/me', server, d, d);
        } else if (op === 'refresh') {
          const warm = seed.knownSessions.slice(C, 2 * C).map((k) => k.token);
          const main = seed.knownSessions.slice(2 * C, 3 * C).map((k) => k.token);
          await measure(target, op, 'POST /auth/refresh', server, refreshChainDriver(warm), refreshChainDriver(main));
          // Storage is taken right after the rotations: the sign-ins that follow add sessions of their own.
          afterRotations = storageNow();
        } else if (op === 'passkey') {
          if (!(await routeExists(server, '/auth/passkeys/login/verify'))) {
            recordSkip(target, op, 'POST /auth/passkeys/login/verify', 'route answers 404');
            continue;
          }
          const prepare = async (count: number, what: string) => {
            const t0 = performance.now();
            const d = await preparePasskeys(
              server,
              isSesame ? 'sesame' : 'floor',
              file,
              auths,
              origin,
              Math.ceil(count / C),
            );
            log(
              `${target}: prepared ${count.toLocaleString('en')} passkey assertions for the ${what} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
            );
            return d;
          };
          const warm = warmupSec > 0 ? await prepare(Math.ceil(POOL_RATE.passkey * warmupSec * 1.3), 'warm-up') : null;
          const main = await prepare(Math.ceil(POOL_RATE.passkey * durationSec * 1.3), 'measured run');
          await measure(target, op, 'POST /auth/passkeys/login/verify', server, warm, main);
        } else if (op === 'email') {
          if (!(await routeExists(server, '/auth/email/verify'))) {
            recordSkip(target, op, 'POST /auth/email/verify', 'route answers 404');
            continue;
          }
          const q: LoadRequestQueue = {
            items: seed.emailTokens.map((t) => ({
              method: 'POST' as const,
              path: '/auth/email/verify',
              headers: json,
              body: JSON.stringify({ token: t }),
            })),
            i: 0,
          };
          const d = queueDriver([q]);
          await measure(target, op, 'POST /auth/email/verify {token}', server, d, d);
        }
      } catch (err) {
        if (err instanceof ServerStartError) throw err;
        failures++;
        records.push({
          target,
          op,
          label: op,
          result: null,
          note: `error: ${String((err as Error).message ?? err).slice(0, 200)}`,
        });
        log(`${target} ${op}: ${String((err as Error).stack ?? err)}`);
      }
    }
  } finally {
    await server.stop();
  }
  storage[target] = { users: seed.users, seededBytes, ...(afterRotations ?? storageNow()) };
}

async function runBetterAuth() {
  const target: TargetName = 'better-auth';
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const dir = path.join(tmp, target);
  fs.mkdirSync(dir);
  const file = path.join(dir, 'better-auth.db');
  const secret = randomBytes(32).toString('base64url');
  const script = path.relative(ROOT_DIR, path.join(BENCH_DIR, 'better-auth-server.ts'));
  const env = { DATABASE_PATH: file, PUBLIC_URL: origin, BETTER_AUTH_SECRET: secret, NODE_ENV: 'development' };
  const migrated = runScript(script, { ...env, PORT: String(port), BENCH_MIGRATE_ONLY: '1' });
  const passkeyPlugin = /"passkeyPlugin":"([^"]+)"/.exec(migrated)?.[1] ?? 'unknown';
  if (passkeyPlugin !== 'loaded') notes.push(`better-auth ran without its passkey plugin (${passkeyPlugin}).`);
  log(`better-auth: seeding ${size.toLocaleString('en')} sessions…`);
  const { auths, passkeys } = makeAuthenticators(origin);
  const seed = seedBetterAuth(file, { size, connections: C, emailPool, passkeys, now: Date.now() }, secret);
  seeds[target] = seed;
  const seededBytes = userStorage(file, USER_TABLES[target]).bytes;
  log(
    `better-auth: seeded ${seed.users.toLocaleString('en')} users, ${seed.sessions.toLocaleString('en')} sessions in ${(seed.ms / 1000).toFixed(1)} s (${(seed.fileBytes / 1e6).toFixed(0)} MB)`,
  );
  const server = await startServer({ name: target, script, env, logDir: dir, port });
  log(`better-auth: serving on ${server.url} (pid ${server.pid}, passkey plugin ${passkeyPlugin})`);
  const cookieOf = (s: number) => `${BA_COOKIE}=${seed.knownSessions[s % C]!.token}`;
  try {
    // The seeded cookies must be accepted: get-session answers 200 "null" for a bad one.
    const probe = await fetch(`${server.url}/api/auth/get-session`, { headers: { cookie: cookieOf(0) } });
    const probeBody = await probe.text();
    if (probe.status !== 200 || !probeBody.startsWith('{"session"'))
      throw new Error(`seeded better-auth session refused: ${probe.status} ${probeBody.slice(0, 200)}`);
    for (const op of ops) {
      try {
        if (op === 'me') {
          const d = staticDriver(
            (s) => ({ method: 'GET', path: '/api/auth/get-session', headers: { cookie: cookieOf(s) } }),
            (st, body) => st === 200 && body.startsWith('{"session"'),
          );
          await measure(target, op, 'GET /api/auth/get-session', server, d, d);
        } else if (op === 'refresh') {
          const d = staticDriver(
            (s) => ({ method: 'GET', path: '/api/auth/token', headers: { cookie: cookieOf(s) } }),
            (st, body) => st === 200 && body.startsWith('{"token"'),
          );
          await measure(target, op, 'GET /api/auth/token', server, d, d);
        } else if (op === 'passkey') {
          if (passkeyPlugin !== 'loaded') {
            recordSkip(target, op, 'passkey sign-in', `passkey plugin ${passkeyPlugin}`);
            continue;
          }
          // Its own options answer first: the shape of the options and the name of its challenge cookie.
          const res = await fetch(`${server.url}/api/auth/passkey/generate-authenticate-options`, {
            headers: { origin },
          });
          const text = await res.text();
          const cookieName = /^([^=]+)=/.exec(res.headers.getSetCookie()[0] ?? '')?.[1];
          const template = JSON.parse(text) as { challenge?: string; rpId?: string };
          if (res.status !== 200 || !cookieName || !template.challenge || template.rpId !== 'localhost')
            throw new Error(`better-auth generate-authenticate-options answered ${res.status} ${text.slice(0, 200)}`);
          const prepare = (count: number) => {
            const perSlot = Math.ceil(count / C);
            const challenges: string[][] = auths.map(() =>
              Array.from({ length: perSlot }, () => randomBytes(32).toString('base64url')),
            );
            const cookies = insertBetterAuthChallenges(file, challenges.flat(), secret, Date.now());
            let k = 0;
            const queues: LoadRequestQueue[] = auths.map((auth, c) => ({
              i: 0,
              items: challenges[c]!.map((challenge) => ({
                method: 'POST' as const,
                path: '/api/auth/passkey/verify-authentication',
                headers: { ...json, origin, cookie: `${cookieName}=${cookies[k++]}` },
                body: JSON.stringify({
                  response: auth.getAssertion({ options: { ...template, challenge, allowCredentials: [] }, origin }),
                }),
              })),
            }));
            return queueDriver(queues, (st) => st === 200);
          };
          const warm = warmupSec > 0 ? prepare(Math.ceil(POOL_RATE.passkey * warmupSec * 0.5)) : null;
          const main = prepare(Math.ceil(POOL_RATE.passkey * durationSec * 0.5));
          await measure(target, op, 'POST /api/auth/passkey/verify-authentication', server, warm, main);
        } else if (op === 'email') {
          const q: LoadRequestQueue = {
            items: seed.emailTokens.map((t) => ({
              method: 'GET' as const,
              path: `/api/auth/magic-link/verify?token=${t}`,
            })),
            i: 0,
          };
          const d = queueDriver([q], (st) => st === 200);
          await measure(target, op, 'GET /api/auth/magic-link/verify', server, d, d);
        }
      } catch (err) {
        failures++;
        records.push({
          target,
          op,
          label: op,
          result: null,
          note: `error: ${String((err as Error).message ?? err).slice(0, 200)}`,
        });
        log(`${target} ${op}: ${String((err as Error).stack ?? err)}`);
      }
    }
  } finally {
    await server.stop();
  }
  const after = userStorage(file, USER_TABLES[target]);
  storage[target] = { users: seed.users, seededBytes, afterBytes: after.bytes, rotations: 0, tokenRows: 0 };
}

// ---------------------------------------------------------------------------------------------

const started = Date.now();
const loadBefore = os.loadavg();
let exitCode = 0;
try {
  log(
    `size ${size.toLocaleString('en')} sessions, ${C} connections, ${durationSec} s per operation after ${warmupSec} s warm-up; ` +
      `targets ${targets.join(', ')}; operations ${ops.join(', ')}; temp ${tmp}`,
  );
  for (const target of ['floor', 'sesame', 'sesame-2', 'better-auth'] as const) {
    if (!targets.includes(target)) continue;
    if (target === 'better-auth') await runBetterAuth();
    else await runSesameLike(target);
  }
} catch (err) {
  exitCode = 1;
  console.error(err instanceof ServerStartError ? `\nA server failed to start:\n${err.message}` : err);
}
if (failures > 0) exitCode = 1;
const loadAfter = os.loadavg();
notes.push(
  `Load average (1 min) ${loadBefore[0]!.toFixed(2)} before the run and ${loadAfter[0]!.toFixed(2)} after it, on ${os.cpus().length} CPUs: ` +
    'anything above what the benchmark itself puts on the machine (about 2) means other work shared it and the figures are low.',
);

const info: RunInfo = {
  size,
  connections: C,
  durationSec,
  warmupSec,
  targets,
  ops,
  seeds,
  storage,
  notes,
  totalSec: (Date.now() - started) / 1000,
  command: commandLine(),
  date: new Date().toISOString(),
};
printReport(records, info);
if (write && exitCode === 0) {
  await writeReport(outFile, records, info);
  log(`wrote ${path.relative(ROOT_DIR, outFile)}`);
} else if (write) {
  log(`not writing ${path.relative(ROOT_DIR, outFile)}: the run was incomplete`);
}
if (!args.keep) fs.rmSync(tmp, { recursive: true, force: true });
else log(`kept ${tmp}`);
process.exit(exitCode);

function commandLine(): string {
  const argv = process.argv.slice(2);
  const script = process.env.npm_lifecycle_event;
  if (script === 'bench' || script === 'bench:smoke')
    return `npm run ${script}${argv.length ? ` -- ${argv.filter((a) => a !== '--smoke' || script === 'bench').join(' ')}` : ''}`.replace(
      / -- $/,
      '',
    );
  return `node --import tsx bench/run.ts ${argv.join(' ')}`.trim();
}

export type { LoadResult };
