/**
 * Fixed-window rate limits kept in the database, so every instance and Workers isolate counts
 * together. One atomic upsert per hit: no read-then-write race.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/db.js';

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
  const rows = await db.orm.all<{ count: number }>(sql`
    INSERT INTO rate_limits (key, window_start, count) VALUES (${key}, ${windowStart}, 1)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END,
      window_start = excluded.window_start
    RETURNING count`);
  const count = rows[0]?.count ?? 1;
  return { allowed: count <= limit, count, retryAfter: Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000)) };
}
