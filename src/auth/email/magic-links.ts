/**
 * Emailed links and codes: how they are made, stored, found and used up.
 *
 * Invariants:
 * - a link token is 256 random bits (generateToken), a code six uniformly random digits; the
 *   database holds only HMAC-SHA-256 of them under the server's email-token key
 *   (server-secrets.ts): of `link\0<token>`, and of `code\0<row id>\0<code>` (so two rows with the
 *   same code do not share a hash, a hash cannot be matched against another row, and a reader of
 *   the table without the key cannot test the 10^6 codes of a row offline);
 * - rows written before that change (hash_scheme 'sha256': SHA-256 of the token, and of
 *   `<row id>:<code>`) are still found and checked the old way until they expire, so a link or
 *   code mailed just before an upgrade keeps working for its lifetime; none are written any more;
 * - one live row per address: issuing kills every older live row of the address (consumed_at set)
 *   in the same batch as the insert of the new one;
 * - a row lives MAGIC_LINK_TTL and is used up once, by one conditional UPDATE that also writes a
 *   random nonce to consumed_by; the statements that follow in the same batch check that nonce, so
 *   they run only for the request that did the consuming (see email-sign-in.ts);
 * - a code allows MAX_CODE_ATTEMPTS wrong tries, counted by a conditional UPDATE; after that even
 *   the right code is refused (the link in the same message keeps working);
 * - codes are compared in constant time; tokens are found by their hash (an index lookup on a
 *   hash of a 256-bit secret tells a timing observer nothing).
 * Runtime-neutral: no node:* import.
 */
import { and, desc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Config } from '../../lib/config.js';
import type { Db, PreparedStep } from '../../db/db.js';
import { anyRow } from '../../db/conditions.js';
import { placeholderValues, prepared, type PreparedCondition } from '../../db/prepared.js';
import { emailTokens } from '../../db/schema.js';
import type { CanonicalEmail } from './email-address.js';
import { generateCode, generateId, generateToken, timingSafeEqual, type CryptoPrimitives } from '../../lib/crypto.js';
import type { ServerSecrets } from '../server-secrets.js';

/** What hashing needs: the server's email-token key. */
export type TokenHashDeps = { secrets: ServerSecrets; crypto: CryptoPrimitives };
export const HASH_SCHEME = 'hmac-v1';
/** Rows written before HMAC; read, never written. */
const LEGACY_SCHEME = 'sha256';

export type EmailTokenRow = typeof emailTokens.$inferSelect;
/** 'sign_in': POST /auth/email/start. 'change': POST /auth/email/change, for the account in user_id. */
export type EmailTokenPurpose = 'sign_in' | 'change';

export const MAX_CODE_ATTEMPTS = 5;
/** The shape of a link token (generateToken makes 43 characters); anything else is not ours. */
export const LINK_TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

export interface IssuedMagicLink {
  row: EmailTokenRow;
  token: string;
  code: string;
  /** The URL to put in the message: PUBLIC_URL only, never a request's Host. */
  link: string;
  /** Kill the older rows of the address, insert the new one: run them in one batch. */
  statements: BatchItem<'sqlite'>[];
}

/**
 * The emailed link. The token rides in the fragment, which browsers never send: it stays out of
 * server, proxy and CDN logs and Referer headers (API.md). Links mailed before used `?token=`;
 * the page still reads both.
 */
export function magicLinkUrl(config: Pick<Config, 'publicUrl'>, token: string): string {
  return `${config.publicUrl}/auth/email/verify#token=${encodeURIComponent(token)}`;
}

async function hashToken({ secrets, crypto }: TokenHashDeps, token: string): Promise<string> {
  return crypto.hmacSha256(await secrets.emailTokenKey(), `link\0${token}`);
}

async function hashCode({ secrets, crypto }: TokenHashDeps, rowId: string, code: string): Promise<string> {
  return crypto.hmacSha256(await secrets.emailTokenKey(), `code\0${rowId}\0${code}`);
}

export async function issueMagicLink(
  { db, config, secrets, crypto }: { db: Db; config: Config } & TokenHashDeps,
  {
    email,
    purpose,
    userId = null,
    returnTo = null,
    now,
  }: {
    email: CanonicalEmail;
    purpose: EmailTokenPurpose;
    userId?: string | null;
    returnTo?: string | null;
    now: number;
  },
): Promise<IssuedMagicLink> {
  const token = generateToken();
  const code = generateCode();
  const id = generateId();
  const row: EmailTokenRow = {
    id,
    email,
    tokenHash: await hashToken({ secrets, crypto }, token),
    codeHash: await hashCode({ secrets, crypto }, id, code),
    hashScheme: HASH_SCHEME,
    failedAttempts: 0,
    purpose,
    userId,
    createdAt: now,
    expiresAt: now + config.magicLinkTtl * 1000,
    consumedAt: null,
    consumedBy: null,
    returnTo,
  };
  return {
    row,
    token,
    code,
    link: magicLinkUrl(config, token),
    statements: [
      // A new message makes the older link and code of the address dead (API.md).
      db.orm
        .update(emailTokens)
        .set({ consumedAt: now })
        .where(and(eq(emailTokens.email, email), isNull(emailTokens.consumedAt))),
      db.orm.insert(emailTokens).values(row),
    ],
  };
}

export function isLive(row: EmailTokenRow, now: number): boolean {
  return row.consumedAt === null && row.expiresAt > now;
}

/** The row a link token names, live or not; null for anything we never issued. */
export async function findByToken(deps: { db: Db } & TokenHashDeps, token: string): Promise<EmailTokenRow | null> {
  if (!LINK_TOKEN_PATTERN.test(token)) return null;
  const [hmac, legacy] = await Promise.all([hashToken(deps, token), deps.crypto.sha256(token)]);
  // Sign-in path: prepared once per database (db/prepared.ts), not built again on every request.
  const statement = prepared(deps.db, 'emailTokens.byToken', (orm) =>
    orm
      .select()
      .from(emailTokens)
      .where(
        or(
          and(eq(emailTokens.tokenHash, sql.placeholder('hmac')), eq(emailTokens.hashScheme, HASH_SCHEME)),
          // A link mailed before the upgrade, found the way it was stored.
          and(eq(emailTokens.tokenHash, sql.placeholder('legacy')), eq(emailTokens.hashScheme, LEGACY_SCHEME)),
        ),
      )
      .prepare(),
  );
  return (await statement.get({ hmac, legacy })) ?? null;
}

export async function findById(db: Db, id: string): Promise<EmailTokenRow | null> {
  const statement = prepared(db, 'emailTokens.byId', (orm) =>
    orm
      .select()
      .from(emailTokens)
      .where(eq(emailTokens.id, sql.placeholder('id')))
      .prepare(),
  );
  return (await statement.get({ id })) ?? null;
}

/** The live row of an address (there is at most one), or null. */
export async function findLiveForEmail(db: Db, email: CanonicalEmail, now: number): Promise<EmailTokenRow | null> {
  const statement = prepared(db, 'emailTokens.liveForEmail', (orm) =>
    orm
      .select()
      .from(emailTokens)
      .where(
        and(
          eq(emailTokens.email, sql.placeholder('email')),
          isNull(emailTokens.consumedAt),
          gt(emailTokens.expiresAt, sql.placeholder('now')),
        ),
      )
      .orderBy(desc(emailTokens.createdAt))
      .limit(1)
      .prepare(),
  );
  const [row] = await statement.all({ email, now });
  return row ?? null;
}

/** True when `code` is the row's code; constant time in the code. */
export async function codeMatches(deps: TokenHashDeps, row: EmailTokenRow, code: string): Promise<boolean> {
  const expected =
    row.hashScheme === LEGACY_SCHEME
      ? await deps.crypto.sha256(`${row.id}:${code}`)
      : await hashCode(deps, row.id, code);
  return timingSafeEqual(expected, row.codeHash);
}

/** Counts a wrong code; the count stops at MAX_CODE_ATTEMPTS, which kills the code. */
export async function recordWrongCode(db: Db, row: EmailTokenRow): Promise<number> {
  const [updated] = await db.orm
    .update(emailTokens)
    .set({ failedAttempts: sql`${emailTokens.failedAttempts} + 1` })
    .where(
      and(
        eq(emailTokens.id, row.id),
        isNull(emailTokens.consumedAt),
        lt(emailTokens.failedAttempts, MAX_CODE_ATTEMPTS),
      ),
    )
    .returning({ failedAttempts: emailTokens.failedAttempts });
  return updated?.failedAttempts ?? MAX_CODE_ATTEMPTS;
}

/**
 * The consuming statement, prepared once per database and shape: uses the row up only if it is
 * still live (and, for a code, not killed by wrong tries) and `also` holds, writing `nonce` for
 * the statements after it to check (consumedBy). RETURNING the id: one row when it took effect.
 */
export function consumeStep(
  db: Db,
  {
    row,
    nonce,
    now,
    byCode,
    also,
  }: { row: EmailTokenRow; nonce: string; now: number; byCode: boolean; also: PreparedCondition },
): PreparedStep {
  const statement = prepared(db, `emailTokens.consume ${byCode ? 'code' : 'link'} ${also.key}`, (orm) => {
    const p = sql.placeholder;
    return orm
      .update(emailTokens)
      .set({ consumedAt: sql`${p('consume.now')}`, consumedBy: sql`${p('consume.nonce')}` })
      .where(
        and(
          eq(emailTokens.id, p('consume.id')),
          isNull(emailTokens.consumedAt),
          gt(emailTokens.expiresAt, p('consume.now')),
          byCode ? lt(emailTokens.failedAttempts, MAX_CODE_ATTEMPTS) : undefined,
          also.build(),
        ),
      )
      .returning({ id: emailTokens.id })
      .prepare();
  });
  return {
    statement,
    values: placeholderValues(also.values, { 'consume.id': row.id, 'consume.now': now, 'consume.nonce': nonce }),
  };
}

/** Holds, later in the same batch, exactly when consumeStep with this nonce took the row. */
export function consumedBy(row: EmailTokenRow, nonce: string): PreparedCondition {
  return {
    key: 'consumedBy',
    build: () =>
      anyRow(
        emailTokens,
        and(
          eq(emailTokens.id, sql.placeholder('consumedBy.id')),
          eq(emailTokens.consumedBy, sql.placeholder('consumedBy.nonce')),
        ),
      ),
    values: { 'consumedBy.id': row.id, 'consumedBy.nonce': nonce },
  };
}
