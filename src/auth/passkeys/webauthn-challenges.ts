/**
 * WebAuthn challenges, kept in the database only (never in process memory), so every instance and
 * Workers isolate agrees on which are live.
 *
 * Invariants:
 * - A challenge is 32 random bytes (WebAuthn §13.4.3 asks for at least 16), lives at most
 *   CHALLENGE_TTL_MS (5 minutes) and is stored only as SHA-256 of its base64url text: the row's key.
 * - It is bound to its ceremony ('registration' | 'authentication') and, for a registration, to
 *   the signed-in user (passkeys are only ever added to an account that exists).
 * - It is consumed with one `DELETE ... RETURNING` keyed by the hash of the challenge the client
 *   signed (read from the response's clientDataJSON), *before* the response is verified: whatever
 *   the verification says afterwards, that response can never be presented again.
 */
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { prepared } from '../../db/prepared.js';
import { webauthnChallenges } from '../../db/schema.js';
import { randomBytes, type CryptoPrimitives } from '../../lib/crypto.js';
import { base64UrlToBytes, bytesToBase64Url, type Base64URLString } from '../../lib/encoding.js';
import { AuthError } from '../errors.js';

export const CHALLENGE_TTL_MS = 5 * 60_000;
export const CHALLENGE_BYTES = 32;

export type ChallengeRow = typeof webauthnChallenges.$inferSelect;

/** What a challenge is for; consumption only succeeds for the same purpose. */
export type ChallengePurpose =
  | { ceremony: 'authentication' }
  /** Adding a passkey to the signed-in user's account. */
  | { ceremony: 'registration'; userId: string };

interface ChallengeDeps {
  db: Db;
  clock: () => number;
  crypto: CryptoPrimitives;
}

/** Mints a challenge, stores its hash with its purpose, and hands back the bytes for the options. */
export async function issueChallenge(
  { db, clock, crypto }: ChallengeDeps,
  purpose: ChallengePurpose,
): Promise<{ bytes: Uint8Array<ArrayBuffer>; challenge: Base64URLString; expiresAt: number }> {
  const now = clock();
  const bytes = randomBytes(CHALLENGE_BYTES) as Uint8Array<ArrayBuffer>;
  const challenge = bytesToBase64Url(bytes);
  const expiresAt = now + CHALLENGE_TTL_MS;
  await db.orm.insert(webauthnChallenges).values({
    hash: await crypto.sha256(challenge),
    ceremony: purpose.ceremony,
    userId: 'userId' in purpose ? purpose.userId : null,
    createdAt: now,
    expiresAt,
  });
  return { bytes, challenge, expiresAt };
}

/**
 * Deletes the live challenge with this text and purpose and returns it, or null when there is none
 * (never issued, already used, expired, or issued for another ceremony or user). The purpose is
 * part of the DELETE, so a response aimed at the wrong route leaves the right one's challenge alone.
 */
export async function consumeChallenge(
  { db, clock, crypto }: ChallengeDeps,
  { challenge, purpose }: { challenge: string; purpose: ChallengePurpose },
): Promise<ChallengeRow | null> {
  const { ceremony } = purpose;
  // Every passkey sign-in runs this: one statement per ceremony, prepared once per database.
  const statement = prepared(db, `challenges.consume.${ceremony}`, (orm) =>
    orm
      .delete(webauthnChallenges)
      .where(
        and(
          eq(webauthnChallenges.hash, sql.placeholder('hash')),
          eq(webauthnChallenges.ceremony, ceremony),
          gt(webauthnChallenges.expiresAt, sql.placeholder('now')),
          ceremony === 'authentication'
            ? isNull(webauthnChallenges.userId)
            : eq(webauthnChallenges.userId, sql.placeholder('userId')),
        ),
      )
      .returning()
      .prepare(),
  );
  const values = {
    hash: await crypto.sha256(challenge),
    now: clock(),
    ...('userId' in purpose ? { userId: purpose.userId } : {}),
  };
  const [row] = (await db.batchPrepared([{ statement, values }])) as [ChallengeRow[]];
  return row[0] ?? null;
}

/** The parts of CollectedClientData (WebAuthn §5.8.1) we read before the library does. */
export interface ClientData {
  type: string;
  challenge: string;
  origin: string;
  crossOrigin?: boolean;
  topOrigin?: string;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes clientDataJSON ourselves (the library would throw a bare Error), refusing anything that
 * is not base64url of a UTF-8 JSON object with string `type`, `challenge` and `origin` as 400.
 */
export function readClientData(clientDataJSON: Base64URLString): ClientData {
  const malformed = (why: string) => new AuthError('INVALID_REQUEST', `response.response.clientDataJSON: ${why}`);
  const bytes = base64UrlToBytes(clientDataJSON);
  if (!bytes || bytes.length === 0) throw malformed('not base64url');
  let parsed: unknown;
  try {
    parsed = JSON.parse(fatalUtf8.decode(bytes));
  } catch {
    throw malformed('not UTF-8 JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw malformed('not a JSON object');
  const data = parsed as Record<string, unknown>;
  if (typeof data.type !== 'string' || typeof data.challenge !== 'string' || typeof data.origin !== 'string')
    throw malformed('type, challenge and origin must be strings');
  if (data.crossOrigin !== undefined && typeof data.crossOrigin !== 'boolean')
    throw malformed('crossOrigin must be a boolean');
  if (data.topOrigin !== undefined && typeof data.topOrigin !== 'string') throw malformed('topOrigin must be a string');
  // A challenge we issued is 43 base64url characters; anything else cannot match a row.
  if (data.challenge.length === 0 || data.challenge.length > 512) throw malformed('challenge has an impossible length');
  return {
    type: data.type,
    challenge: data.challenge,
    origin: data.origin,
    crossOrigin: data.crossOrigin as boolean | undefined,
    topOrigin: data.topOrigin as string | undefined,
  };
}
