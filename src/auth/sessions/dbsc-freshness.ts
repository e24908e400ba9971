/**
 * The rule /auth/refresh applies to device-bound sessions (dbsc.ts), kept apart so sessions.ts can
 * call it without the DBSC endpoints' code: once a browser bound a key to the session, a refresh
 * token is worth at most DBSC_COOKIE_TTL on its own; after that only a proof of the key renews it.
 */
import type { Config } from '../../lib/config.js';
import type { Db } from '../../db/db.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { sessions } from '../../db/schema.js';
import { recordAuditEvent } from '../../audit/audit.js';
import { AuthError } from '../errors.js';
import type { RequestContext } from './sessions.js';

type SessionRow = typeof sessions.$inferSelect;

export type DbscStep = 'registration' | 'refresh';

/** Why a proof was refused, as recorded in the audit event. */
export type DbscFailure =
  | 'bad_proof'
  | 'unknown_challenge'
  | 'not_bound'
  | 'already_bound'
  | 'session_dead'
  | 'cookie_expired';

interface FreshnessDeps {
  db: Db;
  config: Config;
  clock: () => number;
  metrics: Metrics;
}

/** True once a browser has bound a key to this session. */
export const isDeviceBound = (session: Pick<SessionRow, 'dbscKey'>): boolean => session.dbscKey !== null;

/**
 * A refused proof: counted (sesame_dbsc_proof_failures_total), and an audit event of the session
 * it was aimed at (none when no session is known).
 */
export async function recordDbscFailure(
  deps: FreshnessDeps,
  {
    session,
    step,
    reason,
    context = {},
  }: { session: SessionRow | null; step: DbscStep; reason: DbscFailure; context?: RequestContext },
): Promise<void> {
  deps.metrics.dbscProofFailure(step, reason);
  // Without a session there is no one to attribute the event to; the rate limit bounds the rest.
  if (!session) return;
  await recordAuditEvent(deps.db, {
    at: deps.clock(),
    type: 'session.dbsc_proof_failed',
    userId: session.userId,
    sessionId: session.id,
    clientAddress: context.clientAddress,
    userAgent: context.userAgent,
    detail: { step, reason },
  });
}

/**
 * Refuses a bound session's refresh token issued more than DBSC_COOKIE_TTL ago, changing nothing
 * (keepCookie: no cleared cookie, no revocation): the owner's browser renews through the DBSC
 * endpoint and retries with the new cookie, while a copy of the cookie elsewhere is dead.
 * `issuedAt` is when the presented token was issued (or a later time that bounds it).
 */
export async function assertDeviceFresh(
  deps: FreshnessDeps,
  { session, issuedAt, context = {} }: { session: SessionRow; issuedAt: number | null; context?: RequestContext },
): Promise<void> {
  if (!isDeviceBound(session)) return;
  // Bound: the cookie alone is worth at most DBSC_COOKIE_TTL after it was issued.
  if (issuedAt !== null && deps.clock() - issuedAt <= deps.config.dbscCookieTtl * 1000) return;
  await recordDbscFailure(deps, { session, step: 'refresh', reason: 'cookie_expired', context });
  throw new AuthError('DBSC_PROOF_REQUIRED', 'This session is bound to its device: renew it with a device proof', {
    keepCookie: true,
  });
}
