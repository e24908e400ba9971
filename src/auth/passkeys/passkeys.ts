/**
 * Passkeys: registration (always by the signed-in person: an account exists only once its address
 * is proved, see email-sign-in.ts), discoverable sign-in and re-authentication, and management. @simplewebauthn/server does the cryptography; this module does what
 * WebAuthn Level 3 §7.1/§7.2 leaves to the Relying Party.
 *
 * Policy:
 * - User verification is *preferred*, user presence is *required*: options ask for UV, verification
 *   passes `requireUserVerification: false`, and the library refuses UP = 0. A sign-in whose UV flag
 *   was set gets `user` in amr; without it, only `hwk` (single-device credential) or `swk` (synced).
 * - Challenges: see webauthn-challenges.ts. One is consumed before the response is verified, so a
 *   response can be verified once. Checks that need no secret and cost nothing (shape, encodings,
 *   ceremony type, crossOrigin) run first and refuse without consuming anything.
 * - Origin is exactly PUBLIC_URL, RP ID exactly RP_ID; clientData.crossOrigin = true is refused.
 * - Credential ids: at most 1023 bytes, the id the client names must be the one in the
 *   authenticator data, and an id already registered to anyone is refused (409). RSA public keys
 *   must have 2048 to 8192 bits. An account holds at most MAX_PASSKEYS (409 TOO_MANY_PASSKEYS,
 *   checked at options and again inside the insert).
 * - The signature counter must grow whenever either stored or received value is non-zero; a
 *   regression is refused and audited. The library's own counter check runs before it looks at the
 *   signature, so we hand it counter 0 and compare ourselves afterwards: only authentic assertions
 *   (a cloned authenticator) are reported as regressions.
 * - Counter, last use and backup state are updated by one conditional UPDATE (WHERE counter = the
 *   value we read) in the same batch as the session, guarded by that UPDATE having changed its row:
 *   two parallel assertions carrying the same counter cannot both sign in. (Counters that are 0 on
 *   both sides carry no order; there the single-use challenge is the replay defence.)
 * - Backup eligibility (BE) is fixed at registration and may never change.
 * - A sign-in assertion sent with the session's own Bearer token, for the same user, is a
 *   re-authentication: that session's proof-of-presence time moves (no second session).
 * - Adding or deleting needs a proof of presence younger than REAUTH_WINDOW.
 *
 * The steps live beside this file, one per file: inspect.ts (the checks that need no secret),
 * registration.ts, sign-in.ts, manage.ts. This file holds what they share: limits, the stored
 * row, the accepted origins.
 */
import { and, asc, eq, type SQL } from 'drizzle-orm';
import type { Config } from '../../lib/config.js';
import type { Db } from '../../db/db.js';
import { insertWhere } from '../../db/insert-where.js';
import { passkeys } from '../../db/schema.js';
import { base64UrlToBytes, bytesToBase64Url } from '../../lib/encoding.js';
import { AuthError } from '../errors.js';

export type PasskeyRow = typeof passkeys.$inferSelect;

/** ES256, EdDSA, RS256 (COSE ids), in the order offered. */
export const SUPPORTED_ALGORITHM_IDS = [-7, -8, -257];
/** WebAuthn L3 §7.1 step "credentialId ≤ 1023 bytes". */
export const MAX_CREDENTIAL_ID_BYTES = 1023;
export const PASSKEY_NAME_MAX = 64;
/** Passkeys one account may hold: enough for every device and manager a person uses, not a dumping ground. */
export const MAX_PASSKEYS = 20;
/** RSA moduli accepted (bits): below is breakable, above only costs every sign-in. */
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 8192;
export const DEFAULT_PASSKEY_NAME = 'Passkey';

/** C0/C1 controls, DEL, line/paragraph separators and bidi overrides/isolates: nothing that can hide or reorder text. */
export const PASSKEY_NAME_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/**
 * The origins whose ceremonies verify (API.md, "Applications"): PUBLIC_URL's and every APP_ORIGINS
 * app's; lib/config.ts made sure each of them may use RP_ID (directly or as a related origin).
 */
export function webauthnOrigins(config: Pick<Config, 'publicUrl' | 'appOrigins'>): string[] {
  return [config.publicUrl, ...config.appOrigins];
}

export const refused = (message: string, cause?: unknown) => new AuthError('INVALID_CREDENTIAL', message, { cause });
export const malformed = (message: string) => new AuthError('INVALID_REQUEST', message);

/** Bytes of a canonical base64url string, or null (non-canonical spellings of the same bytes are refused too). */
export function canonicalBytes(text: string): Uint8Array<ArrayBuffer> | null {
  const bytes = base64UrlToBytes(text);
  if (!bytes || bytesToBase64Url(bytes) !== text) return null;
  return bytes as Uint8Array<ArrayBuffer>;
}

export function parseTransports(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

/** The passkey's insert, done only when `cond` holds at that point of its batch (a new passkey has no last use). */
export function insertPasskeyIf(db: Db, row: PasskeyRow, cond: SQL) {
  return insertWhere(db.orm, passkeys, { ...row, lastUsedAt: null }, cond).returning();
}

export async function findPasskey(db: Db, id: string, userId?: string): Promise<PasskeyRow | null> {
  const [row] = await db.orm
    .select()
    .from(passkeys)
    .where(userId === undefined ? eq(passkeys.id, id) : and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
    .limit(1);
  return row ?? null;
}

export async function listPasskeys(db: Db, userId: string): Promise<PasskeyRow[]> {
  return db.orm
    .select()
    .from(passkeys)
    .where(eq(passkeys.userId, userId))
    .orderBy(asc(passkeys.createdAt), asc(passkeys.id));
}

export function passkeyTransports(row: PasskeyRow): string[] {
  return parseTransports(row.transports);
}
