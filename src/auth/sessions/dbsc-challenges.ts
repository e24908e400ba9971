/**
 * DBSC challenges, in the database only (never in process memory) so every instance and Workers
 * isolate agrees, exactly like WebAuthn challenges (webauthn-challenges.ts):
 * - 32 random bytes, base64url (a registration offer's: an HMAC under a server key, dbsc.ts);
 *   stored only as SHA-256, the row's key;
 * - tied to one session and one step ('registration' offered on a session response, 'refresh'
 *   answered with the 403 of the DBSC refresh endpoint);
 * - consumed by one `DELETE ... RETURNING` before the proof is checked, so a proof can never be
 *   presented twice, whatever its verification says; live for at most DBSC_CHALLENGE_TTL_MS.
 */
import { and, eq, gt } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { dbscChallenges } from '../../db/schema.js';
import { generateToken, type CryptoPrimitives } from '../../lib/crypto.js';
import type { Base64URLString } from '../../lib/encoding.js';

export const DBSC_CHALLENGE_TTL_MS = 5 * 60_000;

export type DbscChallengePurpose = 'registration' | 'refresh';

interface ChallengeDeps {
  db: Db;
  clock: () => number;
  crypto: CryptoPrimitives;
}

/** Mints a challenge (or stores the one given, derived by an offer) for this session and step, as its hash. */
export async function issueDbscChallenge(
  { db, clock, crypto }: ChallengeDeps,
  {
    sessionId,
    purpose,
    challenge = generateToken(),
  }: { sessionId: string; purpose: DbscChallengePurpose; challenge?: Base64URLString },
): Promise<Base64URLString> {
  const now = clock();
  await db.orm.insert(dbscChallenges).values({
    hash: await crypto.sha256(challenge),
    purpose,
    sessionId,
    createdAt: now,
    expiresAt: now + DBSC_CHALLENGE_TTL_MS,
  });
  return challenge;
}

/**
 * Deletes the live challenge with this text and step and returns the session it was issued for,
 * or null (never issued, used, expired, or issued for the other step). `sessionId`, when given,
 * must match too: a refresh proof answers the challenge of the session it names.
 */
export async function consumeDbscChallenge(
  { db, clock, crypto }: ChallengeDeps,
  { challenge, purpose, sessionId }: { challenge: string; purpose: DbscChallengePurpose; sessionId?: string },
): Promise<{ sessionId: string } | null> {
  const rows = await db.orm
    .delete(dbscChallenges)
    .where(
      and(
        eq(dbscChallenges.hash, await crypto.sha256(challenge)),
        eq(dbscChallenges.purpose, purpose),
        gt(dbscChallenges.expiresAt, clock()),
        sessionId === undefined ? undefined : eq(dbscChallenges.sessionId, sessionId),
      ),
    )
    .returning({ sessionId: dbscChallenges.sessionId });
  return rows[0] ?? null;
}
