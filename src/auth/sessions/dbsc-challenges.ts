/**
 * DBSC challenges, in the database only (never in process memory) so every instance and Workers
 * isolate agrees, exactly like WebAuthn challenges (webauthn-challenges.ts):
 * - 32 random bytes, base64url; stored only as SHA-256, the row's key;
 * - tied to one session and one step ('registration' offered on a session response, 'refresh'
 *   answered with the 403 of the DBSC refresh endpoint);
 * - consumed by one `DELETE ... RETURNING` before the proof is checked, so a proof can never be
 *   presented twice, whatever its verification says; live for at most DBSC_CHALLENGE_TTL_MS.
 */
import { and, eq, gt } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { dbscChallenges } from '../../db/schema.js';
import { generateToken, sha256 } from '../../lib/crypto.js';
import type { Base64URLString } from '../../lib/encoding.js';

export const DBSC_CHALLENGE_TTL_MS = 5 * 60_000;

export type DbscChallengePurpose = 'registration' | 'refresh';

interface ChallengeDeps {
  db: Db;
  clock: () => number;
}

/** Mints a challenge for this session and step and stores its hash. */
export async function issueDbscChallenge({ db, clock }: ChallengeDeps, { sessionId, purpose }: { sessionId: string; purpose: DbscChallengePurpose }): Promise<Base64URLString> {
  const now = clock();
  const challenge = generateToken();
  await db.orm.insert(dbscChallenges).values({ hash: await sha256(challenge), purpose, sessionId, createdAt: now, expiresAt: now + DBSC_CHALLENGE_TTL_MS });
  return challenge;
}

/**
 * Deletes the live challenge with this text and step and returns the session it was issued for,
 * or null (never issued, used, expired, or issued for the other step). `sessionId`, when given,
 * must match too: a refresh proof answers the challenge of the session it names.
 */
export async function consumeDbscChallenge(
  { db, clock }: ChallengeDeps,
  { challenge, purpose, sessionId }: { challenge: string; purpose: DbscChallengePurpose; sessionId?: string },
): Promise<{ sessionId: string } | null> {
  const rows = await db.orm
    .delete(dbscChallenges)
    .where(
      and(
        eq(dbscChallenges.hash, await sha256(challenge)),
        eq(dbscChallenges.purpose, purpose),
        gt(dbscChallenges.expiresAt, clock()),
        sessionId === undefined ? undefined : eq(dbscChallenges.sessionId, sessionId),
      ),
    )
    .returning({ sessionId: dbscChallenges.sessionId });
  return rows[0] ?? null;
}
