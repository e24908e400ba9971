/**
 * Fast seeding, straight into each target's SQLite file before its server starts: prepared
 * inserts in large transactions, synchronous=OFF and a big page cache while seeding, then a WAL
 * checkpoint so the server starts on a compact file.
 *
 * Every target gets the same shape: `users` accounts (verified), `size` live sessions (one per
 * user, each with its refresh token / session token), a passkey per user with a session (Sesame
 * and the floor), and a pool of unused emailed-link tokens. The rows the benchmark drives are
 * remembered: sessions [0, C) for the authenticated call, [C, 2C) for the warm-up's refresh chains
 * and [2C, 3C) for the measured ones, users [0, C) hold the real passkeys (one software
 * authenticator per connection), and users [3C, 3C + emailPool) each have one live link token.
 */
import { createHash, createHmac, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { prepareFloorDb } from '../floor-db.js';

export interface SeedSpec {
  /** Live sessions (and at least as many users). */
  size: number;
  /** Load connections: how many sessions/passkeys are driven per operation. */
  connections: number;
  /** Live emailed-link tokens to prepare (one per distinct address). */
  emailPool: number;
  /** Per connection: the user (index and id, the authenticator's user handle) and its credential. */
  passkeys: { id: string; cosePublicKey: Uint8Array; userIndex: number; userId: string }[];
  now: number;
  /** Sesame: its SIGNING_KEY_SECRET, so seeded sessions carry self-describing refresh tokens as its own sign-ins write them. */
  signingKeySecret?: string;
}

export interface SeedResult {
  ms: number;
  users: number;
  sessions: number;
  /** Refresh tokens (Sesame, floor) or signed session cookies (better-auth) for sessions [0, 3C). */
  knownSessions: { userId: string; token: string }[];
  /** User ids of users [0, C) (passkey owners). */
  passkeyUserIds: string[];
  /** Link tokens, one per address. */
  emailTokens: string[];
  fileBytes: number;
}

const BATCH = 50_000;
const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const sha256 = (s: string) => createHash('sha256').update(s).digest();
const token43 = () => randomBytes(32).toString('base64url');
const id22 = () => randomBytes(16).toString('base64url');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function alnum32(): string {
  const bytes = randomBytes(32);
  let s = '';
  for (let i = 0; i < 32; i++) s += ALNUM[bytes[i]! % 62];
  return s;
}

export function userCount(spec: SeedSpec): number {
  return Math.max(spec.size, 3 * spec.connections + spec.emailPool);
}
const emailOf = (i: number) => `user${i}@bench.example`;

function fast(db: Database.Database) {
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -2000000');
  db.pragma('temp_store = MEMORY');
}

function finish(db: Database.Database, file: string): number {
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return fs.statSync(file).size;
}

const realPasskeys = (spec: SeedSpec) => new Map(spec.passkeys.map((p) => [p.userIndex, p]));

/** Runs fn(i) for i in [0, n) in transactions of BATCH rows. */
function inBatches(db: Database.Database, n: number, fn: (i: number) => void) {
  const tx = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) fn(i);
  });
  for (let from = 0; from < n; from += BATCH) tx(from, Math.min(n, from + BATCH));
}

/** Sesame: the schema comes from its own migrations (openSqlite), applied by the caller. */
export function seedSesame(sqlite: Database.Database, file: string, spec: SeedSpec): SeedResult {
  const t0 = performance.now();
  fast(sqlite);
  const { now, size, connections: C } = spec;
  const nUsers = userCount(spec);
  const userIds: string[] = new Array(nUsers);
  const insUser = sqlite.prepare('INSERT INTO users (id, email, email_verified, created_at) VALUES (?, ?, 1, ?)');
  const owners = realPasskeys(spec);
  inBatches(sqlite, nUsers, (i) => {
    userIds[i] = owners.get(i)?.userId ?? randomUUID();
    insUser.run(userIds[i], emailOf(i), now - 86_400_000);
  });

  const insSession = sqlite.prepare(
    `INSERT INTO sessions (id, user_id, created_at, last_used_at, idle_expires_at, absolute_expires_at, revoked_at, revoked_reason, user_agent, client_address, method, amr,
       refresh_gen, refresh_hash, refresh_at)
     VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, 'Mozilla/5.0 (X11; Linux x86_64) bench', '127.0.0.1', ?, ?, 0, ?, ?)`,
  );
  if (!spec.signingKeySecret)
    throw new Error(
      "seedSesame needs the server's SIGNING_KEY_SECRET (its refresh tokens are MACed with a key derived from it)",
    );
  // src/auth/sessions/refresh-tokens.ts: <sid>.<generation>.<nonce>.<first 22 characters of HMAC-SHA-256>.
  const macKey = Buffer.from(
    hkdfSync('sha256', spec.signingKeySecret, new Uint8Array(0), 'sesame refresh token mac v1', 32),
  );
  const mint = (sid: string) => {
    const nonce = token43();
    return `${sid}.0.${nonce}.${createHmac('sha256', macKey).update(`${sid}.0.${nonce}`).digest('base64url').slice(0, 22)}`;
  };
  const insPasskey = sqlite.prepare(
    `INSERT INTO passkeys (id, user_id, name, public_key, counter, transports, backup_eligible, backed_up, device_type, aaguid, created_at, last_used_at)
     VALUES (?, ?, 'Passkey', ?, 0, '["internal"]', 0, 0, 'singleDevice', '00000000-0000-0000-0000-000000000000', ?, NULL)`,
  );
  const known: SeedResult['knownSessions'] = [];
  const real = realPasskeys(spec);
  inBatches(sqlite, size, (i) => {
    const sid = id22();
    const token = mint(sid);
    const created = now - 3_600_000;
    insSession.run(
      sid,
      userIds[i],
      created,
      created,
      now + 7 * 86_400_000,
      now + 29 * 86_400_000,
      'email',
      '["otp"]',
      sha256(token).toString('base64url'),
      created,
    );
    if (i < 3 * C) known.push({ userId: userIds[i]!, token });
    // Filler passkeys: random bytes shaped like a P-256 COSE key; the driven ones are real.
    const pk = real.get(i);
    insPasskey.run(pk ? pk.id : token43(), userIds[i], b64url(pk ? pk.cosePublicKey : randomBytes(77)), created);
  });

  const insEmail = sqlite.prepare(
    `INSERT INTO email_tokens (id, email, token_hash, code_hash, failed_attempts, purpose, user_id, created_at, expires_at, consumed_at, consumed_by)
     VALUES (?, ?, ?, ?, 0, 'sign_in', NULL, ?, ?, NULL, NULL)`,
  );
  const emailTokens: string[] = [];
  inBatches(sqlite, spec.emailPool, (j) => {
    const id = id22();
    const token = token43();
    const code = String(100000 + (j % 900000));
    insEmail.run(
      id,
      emailOf(3 * C + j),
      sha256(token).toString('base64url'),
      sha256(`${id}:${code}`).toString('base64url'),
      now,
      now + 3_600_000,
    );
    emailTokens.push(token);
  });
  const fileBytes = finish(sqlite, file);
  return {
    ms: performance.now() - t0,
    users: nUsers,
    sessions: size,
    knownSessions: known,
    passkeyUserIds: userIds.slice(0, C),
    emailTokens,
    fileBytes,
  };
}

export function seedFloor(file: string, spec: SeedSpec): SeedResult {
  const t0 = performance.now();
  const db = new Database(file);
  prepareFloorDb(db);
  fast(db);
  const { now, size, connections: C } = spec;
  const nUsers = userCount(spec);
  const userIds: string[] = new Array(nUsers);
  const insUser = db.prepare('INSERT INTO users (id, email, email_verified, created_at) VALUES (?, ?, 1, ?)');
  const owners = realPasskeys(spec);
  inBatches(db, nUsers, (i) => {
    userIds[i] = owners.get(i)?.userId ?? randomUUID();
    insUser.run(userIds[i], emailOf(i), now - 86_400_000);
  });
  const insSession = db.prepare(
    'INSERT INTO sessions (id, user_id, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, NULL)',
  );
  const insToken = db.prepare(
    'INSERT INTO refresh_tokens (hash, session_id, created_at, rotated_at) VALUES (?, ?, ?, NULL)',
  );
  const insPasskey = db.prepare('INSERT INTO passkeys (id, user_id, public_key, counter) VALUES (?, ?, ?, 0)');
  const known: SeedResult['knownSessions'] = [];
  const real = realPasskeys(spec);
  inBatches(db, size, (i) => {
    const sid = id22();
    const token = token43();
    insSession.run(sid, userIds[i], now - 3_600_000, now + 29 * 86_400_000);
    insToken.run(sha256(token), sid, now - 3_600_000);
    if (i < 3 * C) known.push({ userId: userIds[i]!, token });
    const pk = real.get(i);
    insPasskey.run(pk ? pk.id : token43(), userIds[i], pk ? Buffer.from(pk.cosePublicKey) : randomBytes(77));
  });
  const insEmail = db.prepare('INSERT INTO email_tokens (hash, email, expires_at, consumed_at) VALUES (?, ?, ?, NULL)');
  const emailTokens: string[] = [];
  inBatches(db, spec.emailPool, (j) => {
    const token = token43();
    insEmail.run(sha256(token), emailOf(3 * C + j), now + 3_600_000);
    emailTokens.push(token);
  });
  const fileBytes = finish(db, file);
  return {
    ms: performance.now() - t0,
    users: nUsers,
    sessions: size,
    knownSessions: known,
    passkeyUserIds: userIds.slice(0, C),
    emailTokens,
    fileBytes,
  };
}

/**
 * better-auth: schema from its own migrations (the server's BENCH_MIGRATE_ONLY start). Its session
 * cookie is `<token>.<base64 HMAC-SHA256(secret, token)>`, URL-encoded; dates are ISO strings.
 */
export function seedBetterAuth(file: string, spec: SeedSpec, secret: string): SeedResult {
  const t0 = performance.now();
  const db = new Database(file);
  fast(db);
  const { now, size, connections: C } = spec;
  const iso = (ms: number) => new Date(ms).toISOString();
  const nUsers = userCount(spec);
  const userIds: string[] = new Array(nUsers);
  const created = iso(now - 86_400_000);
  const insUser = db.prepare(
    'INSERT INTO "user" (id, name, email, emailVerified, image, createdAt, updatedAt) VALUES (?, ?, ?, 1, NULL, ?, ?)',
  );
  inBatches(db, nUsers, (i) => {
    userIds[i] = alnum32();
    insUser.run(userIds[i], '', emailOf(i), created, created);
  });
  const insSession = db.prepare(
    'INSERT INTO "session" (id, expiresAt, token, createdAt, updatedAt, ipAddress, userAgent, userId) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const known: SeedResult['knownSessions'] = [];
  const sessionCreated = iso(now - 3_600_000);
  const expires = iso(now + 7 * 86_400_000);
  inBatches(db, size, (i) => {
    const token = alnum32();
    insSession.run(
      alnum32(),
      expires,
      token,
      sessionCreated,
      sessionCreated,
      '127.0.0.1',
      'Mozilla/5.0 (X11; Linux x86_64) bench',
      userIds[i],
    );
    if (i < 2 * C) {
      const signature = createHmac('sha256', secret).update(token).digest('base64');
      known.push({ userId: userIds[i]!, token: `${token}.${encodeURIComponent(signature)}` });
    }
  });
  // A passkey per user with a session, as @better-auth/passkey registers it (public key in base64); the driven ones are real.
  const insPasskey = db.prepare(
    'INSERT INTO "passkey" (id, name, publicKey, userId, credentialID, counter, deviceType, backedUp, transports, createdAt, aaguid) VALUES (?, ?, ?, ?, ?, 0, ?, 0, ?, ?, ?)',
  );
  const real = new Map(spec.passkeys.map((p) => [p.userIndex, p]));
  inBatches(db, size, (i) => {
    const pk = real.get(i);
    const cose = pk ? Buffer.from(pk.cosePublicKey) : randomBytes(77);
    insPasskey.run(
      alnum32(),
      'Passkey',
      cose.toString('base64'),
      userIds[i],
      pk ? pk.id : token43(),
      'singleDevice',
      'internal',
      created,
      '00000000-0000-0000-0000-000000000000',
    );
  });
  const insVerification = db.prepare(
    'INSERT INTO "verification" (id, identifier, value, expiresAt, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const emailTokens: string[] = [];
  const nowIso = iso(now);
  const expiresLink = iso(now + 3_600_000);
  inBatches(db, spec.emailPool, (j) => {
    const token = alnum32();
    insVerification.run(
      alnum32(),
      sha256(token).toString('base64url'),
      JSON.stringify({ email: emailOf(3 * C + j) }),
      expiresLink,
      nowIso,
      nowIso,
    );
    emailTokens.push(token);
  });
  const fileBytes = finish(db, file);
  return {
    ms: performance.now() - t0,
    users: nUsers,
    sessions: size,
    knownSessions: known,
    passkeyUserIds: userIds.slice(0, C),
    emailTokens,
    fileBytes,
  };
}

/**
 * WebAuthn sign-in challenges, written straight into the server's file (WAL: the running server
 * sees them at once) exactly as its options endpoint stores them: preparing tens of thousands
 * through the endpoint would take longer than the measurement. The runner checks the endpoint's
 * own answer first, so the options it builds locally have the same shape.
 */
export function insertChallenges(kind: 'sesame' | 'floor', file: string, challenges: string[], now: number): void {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  const expires = now + 5 * 60_000;
  const ins =
    kind === 'sesame'
      ? db.prepare(
          `INSERT INTO webauthn_challenges (hash, ceremony, user_id, created_at, expires_at) VALUES (?, 'authentication', NULL, ?, ?)`,
        )
      : db.prepare('INSERT INTO challenges (hash, expires_at) VALUES (?, ?)');
  db.transaction(() => {
    for (const c of challenges) {
      if (kind === 'sesame') ins.run(sha256(c).toString('base64url'), now, expires);
      else ins.run(sha256(c), expires);
    }
  })();
  db.close();
}

/**
 * Bytes on disk of the rows that make up a user with one session and one passkey: the user, session,
 * refresh-token and passkey tables with their indexes (dbstat pages), divided by the users. Also
 * the rows of the refresh-token table, which grows with rotations in a design that keeps them.
 */
export function userStorage(file: string, tables: string[]): { bytes: number; rows: Record<string, number> } {
  const db = new Database(file, { readonly: true });
  try {
    const list = tables.map((t) => `'${t}'`).join(', ');
    const bytes = (
      db
        .prepare(
          `SELECT sum(pgsize) AS n FROM dbstat WHERE name IN (${list}) OR name IN (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN (${list}))`,
        )
        .get() as { n: number }
    ).n;
    const rows = Object.fromEntries(
      tables.map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]),
    );
    return { bytes, rows };
  } finally {
    db.close();
  }
}

/**
 * better-auth passkey sign-in challenges, stored as @better-auth/passkey's options endpoint stores
 * them: a verification row whose identifier (plain: the server sets no storeIdentifier) is the value
 * of its signed challenge cookie. Returns each challenge's signed cookie value.
 */
export function insertBetterAuthChallenges(file: string, challenges: string[], secret: string, now: number): string[] {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  const iso = (ms: number) => new Date(ms).toISOString();
  const ins = db.prepare(
    'INSERT INTO "verification" (id, identifier, value, expiresAt, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const cookies: string[] = [];
  db.transaction(() => {
    for (const challenge of challenges) {
      const token = alnum32();
      ins.run(
        alnum32(),
        token,
        JSON.stringify({ type: 'authentication', expectedChallenge: challenge, userData: { id: '' } }),
        iso(now + 5 * 60_000),
        iso(now),
        iso(now),
      );
      cookies.push(encodeURIComponent(`${token}.${createHmac('sha256', secret).update(token).digest('base64')}`));
    }
  })();
  db.close();
  return cookies;
}
