/**
 * Access-token signing keys: ES256 key pairs kept in the database so every instance (and every
 * Workers isolate) signs with the same key and publishes the same JWKS.
 *
 * - The first start creates a key; `rotateSigningKey` (npm run keys:rotate, or automatically once
 *   the active key is older than SIGNING_KEY_MAX_AGE) adds a new one and retires the old.
 * - A retired key stays in the JWKS until every token it can have signed has expired: its
 *   retirement + ACCESS_TOKEN_TTL + the cache lifetime below (an instance may keep signing with a
 *   cached key that long) + clock skew.
 * - The private half is sealed at rest with AES-256-GCM under a key derived from
 *   SIGNING_KEY_SECRET (required in production). Without it (development only) it is stored as
 *   plain JWK and a warning is logged.
 * - Production never signs with, nor publishes, a key that was stored unsealed (a development
 *   database started in production): its first use retires every such key at once (out of the
 *   JWKS: whoever could read the database could have copied it), wipes its private half, and
 *   starts a sealed one, in one batch. Tokens those keys signed answer 401; sessions refresh.
 * - An active key that SIGNING_KEY_SECRET cannot open (a wrong or missing secret) is a clear
 *   ConfigError at start, never a key silently replaced.
 * - Keys are loaded once per process or isolate and reloaded after KEY_CACHE_MS, or at once when
 *   a token names a kid we have not seen (a sibling instance rotated).
 */
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { and, desc, gt, isNull, notExists, or, sql, type SQL } from 'drizzle-orm';
import { ConfigError, type Config } from '../../lib/config.js';
import type { Db } from '../../db/db.js';
import { insertWhere } from '../../db/insert-where.js';
import { signingKeys } from '../../db/schema.js';
import type { Logger } from '../../lib/log.js';
import { generateId, seal, unseal } from '../../lib/crypto.js';
import { recordAuditEvent } from '../../audit/audit.js';

export const ACCESS_TOKEN_ALG = 'ES256';
export const KEY_CACHE_MS = 60_000;
const SKEW_MS = 60_000;
const SEAL_INFO = 'sesame signing key v1';

export interface LoadedKey {
  kid: string;
  /** Stored as plain JWK (development); never used in production. */
  unsealed: boolean;
  createdAt: number;
  retiredAt: number | null;
  publicJwk: JWK;
  publicKey: CryptoKey;
  /** Only the active key's private half is imported. */
  privateKey?: CryptoKey;
  /**
   * Tokens this key's signature was checked on, with their claims (access-tokens.ts). Carried over
   * when the keys reload and this key is still published, unchanged; gone with the key.
   */
  verified: Map<string, JWTPayload>;
}

interface KeyStoreDeps {
  db: Db;
  config: Config;
  clock: () => number;
  logger: Logger;
}

export class KeyStore {
  private cache: { loadedAt: number; keys: LoadedKey[] } | null = null;
  private loading: Promise<LoadedKey[]> | null = null;
  private lastForcedReload = 0;
  private unsealedChecked = false;

  constructor(private readonly deps: KeyStoreDeps) {}

  /** The key that signs now; creates the first key, or rotates an old one, as needed. */
  async signingKey(): Promise<LoadedKey & { privateKey: CryptoKey }> {
    if (this.deps.config.production && !this.unsealedChecked) {
      // A key once stored in clear may have been copied: production neither signs with it nor publishes it.
      if (await retireUnsealedKeys(this.deps)) this.invalidate();
      this.unsealedChecked = true;
    }
    let keys = await this.keys();
    let active = activeKey(keys);
    const now = this.deps.clock();
    if (!active || now - active.createdAt > this.deps.config.signingKeyMaxAge * 1000) {
      await rotateSigningKey(this.deps, active ? 'age' : 'first-start');
      keys = await this.keys(true);
      active = activeKey(keys);
      if (!active) throw new Error('no active signing key after rotation');
    }
    return active;
  }

  /** Public key for a kid, or null; an unknown kid triggers at most one reload per second. */
  async verificationKey(kid: string): Promise<LoadedKey | null> {
    const found = (await this.keys()).find((k) => k.kid === kid);
    if (found) return found;
    const now = this.deps.clock();
    if (now - this.lastForcedReload < 1000) return null;
    this.lastForcedReload = now;
    return (await this.keys(true)).find((k) => k.kid === kid) ?? null;
  }

  /** Every key that may have signed a still-valid access token. */
  async jwks(): Promise<{ keys: JWK[] }> {
    await this.signingKey();
    const keys = await this.keys();
    return { keys: keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: ACCESS_TOKEN_ALG, use: 'sig' })) };
  }

  invalidate(): void {
    this.cache = null;
  }

  private async keys(force = false): Promise<LoadedKey[]> {
    const now = this.deps.clock();
    if (!force && this.cache && now - this.cache.loadedAt < KEY_CACHE_MS) return this.cache.keys;
    if (!this.loading) {
      this.loading = loadKeys(this.deps).finally(() => (this.loading = null));
    }
    const keys = await this.loading;
    // A reload (every minute, or forced by an unknown kid) keeps what an unchanged key remembered.
    for (const key of keys) {
      const before = this.cache?.keys.find((k) => k.kid === key.kid && samePublicKey(k.publicJwk, key.publicJwk));
      if (before) key.verified = before.verified;
    }
    this.cache = { loadedAt: now, keys };
    return keys;
  }
}

const samePublicKey = (a: JWK, b: JWK) => a.kty === b.kty && a.crv === b.crv && a.x === b.x && a.y === b.y;

/** The active key with its private half; a ConfigError when it exists but cannot be opened. */
function activeKey(keys: LoadedKey[]): (LoadedKey & { privateKey: CryptoKey }) | undefined {
  const active = keys.find((k) => k.retiredAt === null);
  if (!active) return undefined;
  // Replacing a key we cannot open would hide a wrong secret until every instance disagreed.
  if (!active.privateKey)
    throw new ConfigError(
      `SIGNING_KEY_SECRET does not open the active signing key (kid ${active.kid}): set the secret it was sealed with. ` +
        'To start over with a new secret instead, run `npm run keys:rotate` with it (access tokens signed so far stop working; sessions refresh).',
    );
  return active as LoadedKey & { privateKey: CryptoKey };
}

/** Keys still published: active, or retired recently enough that their tokens may be unexpired. */
async function loadKeys({ db, config, clock, logger }: KeyStoreDeps): Promise<LoadedKey[]> {
  const publishedAfter = clock() - (config.accessTokenTtl * 1000 + KEY_CACHE_MS + SKEW_MS);
  const rows = await db.orm
    .select()
    .from(signingKeys)
    .where(or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, publishedAfter)))
    .orderBy(sql`${signingKeys.retiredAt} IS NOT NULL`, desc(signingKeys.createdAt));
  const out: LoadedKey[] = [];
  for (const row of rows) {
    const unsealed = row.privateJwk.startsWith('plain:');
    // Production never trusts a key that was stored in clear (see the module header).
    if (unsealed && config.production) continue;
    const publicJwk = JSON.parse(row.publicJwk) as JWK;
    const key: LoadedKey = {
      kid: row.kid,
      unsealed,
      createdAt: row.createdAt,
      retiredAt: row.retiredAt,
      publicJwk,
      publicKey: (await importJWK(publicJwk, ACCESS_TOKEN_ALG)) as CryptoKey,
      verified: new Map(),
    };
    if (row.retiredAt === null) {
      const privateJwk = await openPrivateJwk(row.privateJwk, config.signingKeySecret);
      if (privateJwk) key.privateKey = (await importJWK(privateJwk, ACCESS_TOKEN_ALG)) as CryptoKey;
      else logger.log('error', 'signing key cannot be opened: wrong SIGNING_KEY_SECRET?', { kid: row.kid });
    }
    out.push(key);
  }
  return out;
}

async function openPrivateJwk(stored: string, secret: string | undefined): Promise<JWK | null> {
  if (stored.startsWith('plain:')) return JSON.parse(stored.slice('plain:'.length)) as JWK;
  if (stored.startsWith('sealed:v1:') && secret) {
    const json = await unseal(secret, SEAL_INFO, stored.slice('sealed:v1:'.length));
    return json ? (JSON.parse(json) as JWK) : null;
  }
  return null;
}

/**
 * Production: retires every key stored unsealed so that it leaves the JWKS at once, wipes its
 * private half, and adds a sealed active key if none is left, in one batch (instances racing do
 * it once). True when something changed.
 */
export async function retireUnsealedKeys({ db, config, clock, logger }: KeyStoreDeps): Promise<boolean> {
  const [found] = await db.orm
    .select({ kid: signingKeys.kid })
    .from(signingKeys)
    .where(sql`${signingKeys.privateJwk} LIKE 'plain:%'`)
    .limit(1);
  if (!found) return false;
  if (!config.signingKeySecret) throw new ConfigError('SIGNING_KEY_SECRET is required in production');
  const now = clock();
  // Older than loadKeys' publishing window: the key leaves the JWKS now, and its tokens with it.
  const unpublished = now - (config.accessTokenTtl * 1000 + KEY_CACHE_MS + SKEW_MS) - 1;
  const row = await newKeyRow(config, now);
  const [retired, inserted] = await db.batch([
    db.orm
      .update(signingKeys)
      .set({
        privateJwk: 'wiped:',
        retiredAt: sql`min(coalesce(${signingKeys.retiredAt}, ${unpublished}), ${unpublished})`,
      })
      .where(sql`${signingKeys.privateJwk} LIKE 'plain:%'`)
      .returning({ kid: signingKeys.kid }),
    insertKeyIfNoneActive(db, row),
  ]);
  if (retired.length === 0) return false;
  const detail = { kid: inserted[0]?.kid ?? null, reason: 'unsealed', retired: retired.map((r) => r.kid) };
  logger.log(
    'warn',
    'signing keys stored unsealed were retired and wiped (a development database in production?)',
    detail,
  );
  await recordAuditEvent(db, { at: now, type: 'key.rotated', detail });
  return true;
}

const activeKeys = (db: Db, also?: SQL) =>
  db.orm
    .select({ one: sql`1` })
    .from(signingKeys)
    .where(and(isNull(signingKeys.retiredAt), also));
const noActiveKey = (db: Db) => notExists(activeKeys(db));

/** The insert of a new key, done only while no key is active (racing instances add one key in all). */
function insertKeyIfNoneActive(db: Db, row: typeof signingKeys.$inferInsert) {
  return insertWhere(db.orm, signingKeys, { ...row, retiredAt: null }, noActiveKey(db)).returning({
    kid: signingKeys.kid,
  });
}

async function newKeyRow(config: Config, now: number) {
  const { publicKey, privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { extractable: true });
  const privateJwk = JSON.stringify(await exportJWK(privateKey));
  const stored = config.signingKeySecret
    ? `sealed:v1:${await seal(config.signingKeySecret, SEAL_INFO, privateJwk)}`
    : `plain:${privateJwk}`;
  return {
    kid: generateId(),
    alg: ACCESS_TOKEN_ALG,
    publicJwk: JSON.stringify(await exportJWK(publicKey)),
    privateJwk: stored,
    createdAt: now,
  };
}

/**
 * Adds a new active key and retires the others, in one batch. On first start several processes
 * may race: the insert only happens while no active key exists, so one wins and the rest reuse it.
 */
export async function rotateSigningKey(
  { db, config, clock, logger }: KeyStoreDeps,
  reason: 'first-start' | 'age' | 'manual',
): Promise<string> {
  const now = clock();
  if (!config.signingKeySecret)
    logger.log('warn', 'SIGNING_KEY_SECRET is not set: the signing key is stored unsealed (development only)');
  const row = await newKeyRow(config, now);
  const kid = row.kid;
  // Automatic rotation only replaces a key that is still too old when we get the lock: siblings may race.
  const stillDue =
    reason === 'manual'
      ? sql`1`
      : reason === 'first-start'
        ? noActiveKey(db)
        : notExists(activeKeys(db, gt(signingKeys.createdAt, now - config.signingKeyMaxAge * 1000)));
  const [retired, inserted] = await db.batch([
    db.orm
      .update(signingKeys)
      .set({ retiredAt: now })
      .where(and(isNull(signingKeys.retiredAt), stillDue))
      .returning({ kid: signingKeys.kid }),
    // Only when no active key is left: the update above retired it, or there never was one.
    insertKeyIfNoneActive(db, row),
  ]);
  if (inserted.length > 0) {
    logger.log('info', 'signing key rotated', { kid, reason, retired: retired.map((r) => r.kid) });
    await recordAuditEvent(db, {
      at: now,
      type: 'key.rotated',
      detail: { kid, reason, retired: retired.map((r) => r.kid) },
    });
  }
  return kid;
}
