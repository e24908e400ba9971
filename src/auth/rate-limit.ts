/**
 * Rate limits kept in the database, so every instance and Workers isolate counts together, as a
 * GCRA (generic cell rate algorithm): `limit` hits per `windowMs`, spaced at least
 * windowMs / limit apart once a burst of `limit` is used up. Unlike fixed windows, nothing resets
 * at a boundary, so twice the limit never passes around one; a refused hit costs nothing.
 *
 * One row per key holds its theoretical arrival time (tat). One atomic upsert per hit decides and
 * records, with no read-then-write race: allowed iff max(tat, now) + T - now <= windowMs, and
 * then tat moves to max(tat, now) + T. SQLite evaluates every SET expression on the old row, so
 * `allowed` and `tat` see the same state.
 *
 * enforceRateLimit is the one place a limit refuses a request (429 with Retry-After).
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/db.js';
import { prepared } from '../db/prepared.js';
import { rateLimits } from '../db/schema.js';
import { AuthError } from './errors.js';

export interface RateLimitResult {
  allowed: boolean;
  /** Seconds until one more hit would be allowed (at least 1). */
  retryAfter: number;
}

export interface RateLimitInput {
  /** Names the limit and its subject, e.g. `auth:198.51.100.7`. */
  key: string;
  limit: number;
  windowMs: number;
  now: number;
}

export async function hitRateLimit(db: Db, { key, limit, windowMs, now }: RateLimitInput): Promise<RateLimitResult> {
  const interval = Math.ceil(windowMs / limit);
  const statement = prepared(db, 'rateLimit.gcra', (orm) => {
    const next = sql`max(${rateLimits.tat}, ${sql.placeholder('now')}) + ${sql.placeholder('interval')}`;
    const fits = sql`(${next} - ${sql.placeholder('now')} <= ${sql.placeholder('window')})`;
    return orm
      .insert(rateLimits)
      .values({ key: sql.placeholder('key'), tat: sql.placeholder('first'), allowed: true })
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: { allowed: sql`${fits}`, tat: sql`CASE WHEN ${fits} THEN ${next} ELSE ${rateLimits.tat} END` },
      })
      .returning({ tat: rateLimits.tat, allowed: rateLimits.allowed })
      .prepare();
  });
  const rows = (await statement.all({ key, now, interval, window: windowMs, first: now + interval })) as {
    tat: number;
    allowed: boolean | number;
  }[];
  const row = rows[0];
  if (!row || row.allowed) return { allowed: true, retryAfter: 0 };
  // Refused: one more fits once tat + T - now <= window.
  return { allowed: false, retryAfter: Math.max(1, Math.ceil((row.tat + interval - windowMs - now) / 1000)) };
}

/**
 * Hits the limit and refuses with 429 RATE_LIMITED (Retry-After) when it is spent: the one place
 * a rate limit says no (a metrics counter of refusals belongs here, labelled by `name`).
 */
export async function enforceRateLimit(
  db: Db,
  input: RateLimitInput & { name: string; message: string },
): Promise<void> {
  const result = await hitRateLimit(db, input);
  if (!result.allowed) throw new AuthError('RATE_LIMITED', input.message, { retryAfter: result.retryAfter });
}
