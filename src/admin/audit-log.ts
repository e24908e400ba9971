/** The audit log as an administrator reads it: newest first, filtered by user and type, paged by cursor. */
import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/db.js';
import { auditEvents } from '../db/schema.js';
import { AuthError } from '../auth/errors.js';
import { decodeCursor, encodeCursor, parseLimit } from './paging.js';

export interface AuditEvent {
  id: string;
  type: string;
  at: number;
  userId: string | null;
  sessionId?: string;
  ip?: string;
  userAgent?: string;
  detail?: Record<string, unknown>;
}

/** `session.started`, or a family with a trailing `.*` (`admin.*`). */
const TYPE_FILTER = /^[a-z_]+(\.[a-z_]+)*(\.\*)?$/;

export async function queryAuditLog(
  db: Db,
  {
    userId,
    type,
    limit: rawLimit,
    cursor: rawCursor,
  }: { userId?: string; type?: string; limit?: string; cursor?: string },
): Promise<{ events: AuditEvent[]; nextCursor: string | null }> {
  const limit = parseLimit(rawLimit);
  const cursor = decodeCursor(rawCursor, { id: 'number' });
  const conditions: SQL[] = [];
  if (userId !== undefined && userId !== '') {
    if (userId.length > 128) throw new AuthError('INVALID_REQUEST', 'userId: at most 128 characters');
    conditions.push(eq(auditEvents.userId, userId));
  }
  if (type !== undefined && type !== '') {
    if (type.length > 64 || !TYPE_FILTER.test(type))
      throw new AuthError(
        'INVALID_REQUEST',
        'type: an event type such as session.started, or a family such as admin.*',
      );
    const family = type.slice(0, -1);
    conditions.push(
      type.endsWith('.*')
        ? sql`substr(${auditEvents.type}, 1, ${family.length}) = ${family}`
        : eq(auditEvents.type, type),
    );
  }
  if (cursor) conditions.push(lt(auditEvents.id, cursor.id));
  const rows = await db.orm
    .select()
    .from(auditEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditEvents.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    events: page.map((r) => ({
      id: String(r.id),
      type: r.type,
      at: r.at,
      userId: r.userId,
      ...(r.sessionId ? { sessionId: r.sessionId } : {}),
      ...(r.clientAddress ? { ip: r.clientAddress } : {}),
      ...(r.userAgent ? { userAgent: r.userAgent } : {}),
      ...(r.detail ? { detail: JSON.parse(r.detail) as Record<string, unknown> } : {}),
    })),
    nextCursor: rows.length > limit && last ? encodeCursor({ id: last.id }) : null,
  };
}
