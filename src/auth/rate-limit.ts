/**
 * Fixed-window rate limits kept in the database, so every instance and Workers isolate counts
 * together. One atomic upsert per hit: no read-then-write race.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/db.js';
import { prepared } from '../db/prepared.js';
import { rateLimits } from '../db/schema.js';

export interface RateLimitResult {
  allowed: boolean;
  count: number;
  /** Seconds until the window resets. */
  retryAfter: number;
}

export async function hitRateLimit(
  db: Db,
  { key, limit, windowMs, now }: { key: string; limit: number; windowMs: number; now: number },
): Promise<RateLimitResult> {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const statement = prepared(db, 'rateLimit.hit', (orm) =>
    orm
      .insert(rateLimits)
      .values({ key: sql.placeholder('key'), windowStart: sql.placeholder('windowStart'), count: 1 })
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: {
          count: sql`CASE WHEN ${rateLimits.windowStart} = excluded.window_start THEN ${rateLimits.count} + 1 ELSE 1 END`,
          windowStart: sql`excluded.window_start`,
        },
      })
      .returning({ count: rateLimits.count })
      .prepare(),
  );
  const rows = await statement.all({ key, windowStart });
  const count = rows[0]?.count ?? 1;
  return { allowed: count <= limit, count, retryAfter: Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000)) };
}
