/**
 * Device-bound sessions (DBSC, W3C webappsec-dbsc; API.md "Device-bound sessions").
 *
 * - Offer: every session response of a session not yet bound, sent to a browser, carries a
 *   registration challenge (dbsc-challenges.ts); one offer at a time per session, repeated until
 *   it nears expiry (offerDeviceBinding).
 * - Registration: the browser answers it with a proof made by a new key (dbsc-proof.ts); the key
 *   is bound to the session the challenge was issued for and, in the same conditional UPDATE, the
 *   refresh token rotates into one the browser must renew within DBSC_COOKIE_TTL.
 * - Enforcement is the server's, not the cookie's Max-Age: once bound, /auth/refresh refuses a
 *   refresh token older than DBSC_COOKIE_TTL (assertDeviceFresh, called by sessions.ts), and only
 *   a proof signed by the bound key over a fresh challenge gets the next one (refreshBoundSession).
 *   A cookie copied to another machine therefore dies within the TTL; the owner's browser renews.
 * - Failures (bad signature, replayed or unknown challenge, another key, a bound cookie past its
 *   time) answer 401, change no session and are audit events: a thief must not be able to sign
 *   the owner out by failing.
 *
 * Long file: the offer, the registration and the renewal share one rotation statement and its
 * race handling (a renewal racing the page's own refresh), which read best together.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { anyRow } from '../../db/conditions.js';
import { sessions } from '../../db/schema.js';
import { auditInsertIf } from '../../audit/audit.js';
import { consumeDbscChallenge, DBSC_CHALLENGE_TTL_MS, issueDbscChallenge } from './dbsc-challenges.js';
import {
  deviceKeyThumbprint,
  parseDeviceKey,
  verifyRefreshProof,
  verifyRegistrationProof,
  type DeviceKeyJwk,
} from './dbsc-proof.js';
import { timingSafeEqual } from '../../lib/crypto.js';
import { AuthError } from '../errors.js';
import { mintRefreshToken } from './refresh-tokens.js';
import { isDeviceBound, recordDbscFailure as recordFailure } from './dbsc-freshness.js';
import {
  issueSession,
  sessionById,
  SUCCESSOR_INFO,
  type IssuedSession,
  type RequestContext,
  type SessionDeps,
  type SessionRow,
} from './sessions.js';
import type { UserRow } from '../account/users.js';

export { isDeviceBound } from './dbsc-freshness.js';

/** How long an offer is sent again as it is: its challenge then still has a minute to live when a browser answers. */
const OFFER_REPEAT_MS = DBSC_CHALLENGE_TTL_MS - 60_000;

/**
 * An offer's challenge, derived under the server's refresh-token key from the session and the
 * offer's time: unguessable, and the same on every response until the offer is renewed, so
 * repeating it writes nothing.
 */
async function offerChallenge(
  deps: Pick<SessionDeps, 'crypto' | 'secrets'>,
  sessionId: string,
  offeredAt: number,
): Promise<string> {
  return deps.crypto.hmacSha256(await deps.secrets.refreshTokenKey(), `dbsc registration\0${sessionId}\0${offeredAt}`);
}

/**
 * The registration challenge for a session response, or null when none is offered. Every
 * response of a session not yet bound carries one (API.md), but a session holds one offer at a
 * time: its challenge row is written when the offer is made and the same challenge is sent again
 * until OFFER_REPEAT_MS has passed, so a browser without DBSC, which ignores the header, leaves
 * at most one live row per session however often it refreshes (pruned once expired). Never
 * offered: a bound session, and one still holding a refresh token from before self-describing
 * tokens (offered after it rotates once).
 */
export async function offerDeviceBinding(
  deps: Pick<SessionDeps, 'db' | 'clock' | 'metrics' | 'crypto' | 'secrets'>,
  session: SessionRow,
): Promise<string | null> {
  if (isDeviceBound(session) || session.refreshGen === null) return null;
  const now = deps.clock();
  const previous = session.dbscOfferedAt;
  if (previous !== null && now - previous < OFFER_REPEAT_MS) return offerChallenge(deps, session.id, previous);
  // A new offer's time is never an earlier offer's (its challenge would be that one's, maybe used up).
  const at = previous === null ? now : Math.max(now, previous + OFFER_REPEAT_MS + 1);
  // Claim the new offer in the row: of two racing responses (two tabs, two processes) one writes
  // its challenge; the other sends that same challenge.
  const claimed = await deps.db.orm
    .update(sessions)
    .set({ dbscOfferedAt: at })
    .where(
      and(
        eq(sessions.id, session.id),
        previous === null ? isNull(sessions.dbscOfferedAt) : eq(sessions.dbscOfferedAt, previous),
        isNull(sessions.dbscKey),
        isNull(sessions.revokedAt),
      ),
    )
    .returning({ id: sessions.id });
  if (claimed.length === 0) {
    const [current] = await deps.db.orm
      .select({ offeredAt: sessions.dbscOfferedAt, key: sessions.dbscKey })
      .from(sessions)
      .where(eq(sessions.id, session.id));
    return current && current.key === null && current.offeredAt !== null
      ? offerChallenge(deps, session.id, current.offeredAt)
      : null;
  }
  const challenge = await offerChallenge(deps, session.id, at);
  await issueDbscChallenge(deps, { sessionId: session.id, purpose: 'registration', challenge });
  deps.metrics.dbsc('offered');
  return challenge;
}

function isLive(session: SessionRow, now: number): boolean {
  return session.revokedAt === null && now < session.idleExpiresAt && now < session.absoluteExpiresAt;
}

const refused = (message: string) => new AuthError('DBSC_PROOF_INVALID', message);

/**
 * One rotation of a session's refresh token on the strength of a device proof. Like /auth/refresh's
 * rotation it is one conditional UPDATE on the generation read, so it races safely with a refresh
 * or a logout; at registration the same statement binds the key, only if none is bound yet.
 * `presented`: the session's current token when the browser sent it along (a renewal before the
 * cookie expired): the successor is sealed to it as /auth/refresh does, so a request of the page
 * racing this renewal with that cookie gets the same successor inside the reuse window.
 */
async function rotateWithDeviceProof(
  deps: SessionDeps,
  {
    session,
    user,
    bind,
    presented,
    context = {},
  }: { session: SessionRow; user: UserRow; bind?: DeviceKeyJwk; presented?: string; context?: RequestContext },
): Promise<IssuedSession | null> {
  const { db, config } = deps;
  const now = deps.clock();
  const generation = session.refreshGen! + 1;
  const successor = await mintRefreshToken(deps, session.id, generation);
  const rotation = db.orm
    .update(sessions)
    .set({
      refreshGen: generation,
      refreshHash: await deps.crypto.sha256(successor),
      refreshAt: now,
      // The replaced token becomes the previous generation. Without it in hand no successor is
      // sealed to it: a racing request with it is told to retry inside the reuse window, and is
      // reuse after.
      refreshPrevHash: sql`${sessions.refreshHash}`,
      refreshPrevSealed: presented ? await deps.crypto.seal(presented, SUCCESSOR_INFO, successor) : null,
      refreshPrevAt: sql`${sessions.refreshAt}`,
      lastUsedAt: now,
      idleExpiresAt: Math.min(now + config.sessionIdleTtl * 1000, session.absoluteExpiresAt),
      ...(bind ? { dbscKey: JSON.stringify(bind), dbscBoundAt: now } : {}),
    })
    .where(
      and(
        eq(sessions.id, session.id),
        eq(sessions.refreshGen, session.refreshGen!),
        isNull(sessions.revokedAt),
        // Registration binds only an unbound session; a refresh only renews the key it was proved with.
        bind ? isNull(sessions.dbscKey) : eq(sessions.dbscKey, session.dbscKey!),
      ),
    )
    .returning();
  const rotated = bind
    ? (
        await db.batch([
          rotation,
          auditInsertIf(
            db,
            {
              at: now,
              type: 'session.dbsc_bound',
              userId: user.id,
              sessionId: session.id,
              clientAddress: context.clientAddress,
              userAgent: context.userAgent,
              detail: { key: await deviceKeyThumbprint(bind) },
            },
            // Recorded only when the binding took effect in this batch.
            anyRow(
              sessions,
              and(eq(sessions.id, session.id), eq(sessions.dbscBoundAt, now), eq(sessions.refreshAt, now)),
            ),
          ),
        ])
      )[0]
    : // A batch of one: the same all-or-nothing write as every rotation (and where tests land a race).
      (await db.batch([rotation]))[0];
  const row = rotated[0];
  return row ? issueSession(deps, user, row, successor) : null;
}

/**
 * POST /auth/dbsc/register: binds the proof's key to the session whose response offered the
 * challenge, and rotates its refresh token (the browser now holds one that lives DBSC_COOKIE_TTL).
 */
export async function bindDeviceKey(
  deps: SessionDeps,
  { proof, context = {} }: { proof: string; context?: RequestContext },
): Promise<IssuedSession> {
  const verified = await verifyRegistrationProof(proof).catch(async (err: unknown) => {
    await recordFailure(deps, { session: null, step: 'registration', reason: 'bad_proof', context });
    throw err;
  });
  // Single use, and only for the step it was issued for: a refresh challenge cannot register.
  const challenge = await consumeDbscChallenge(deps, { challenge: verified.jti, purpose: 'registration' });
  if (!challenge) {
    await recordFailure(deps, { session: null, step: 'registration', reason: 'unknown_challenge', context });
    throw refused('The registration challenge is unknown, used or expired');
  }
  const found = await sessionById(deps.db, challenge.sessionId);
  if (!found || !isLive(found.session, deps.clock()) || found.session.refreshGen === null) {
    await recordFailure(deps, {
      session: found?.session ?? null,
      step: 'registration',
      reason: 'session_dead',
      context,
    });
    throw new AuthError('SESSION_REVOKED', 'This session has been signed out');
  }
  // A session binds one key, once: a second registration (two offers raced) changes nothing.
  if (isDeviceBound(found.session)) {
    await recordFailure(deps, { session: found.session, step: 'registration', reason: 'already_bound', context });
    throw refused('This session is already bound to a device');
  }
  const issued = await rotateWithDeviceProof(deps, { ...found, bind: verified.key, context });
  if (!issued) {
    // Lost a race with a refresh of the same session, and this offer's challenge is used up: make
    // a new offer on its next browser response (only this challenge's holder could get here).
    // (Moved back by OFFER_REPEAT_MS: stale, so the next response makes a new offer, at a later time than this one's.)
    await deps.db.orm
      .update(sessions)
      .set({ dbscOfferedAt: sql`${sessions.dbscOfferedAt} - ${OFFER_REPEAT_MS}` })
      .where(and(eq(sessions.id, found.session.id), isNull(sessions.dbscKey)));
    throw refused('The session changed during registration; it will be offered again');
  }
  deps.metrics.dbsc('bound');
  return issued;
}

/** POST /auth/dbsc/refresh without a proof: a fresh challenge for a live bound session. */
export async function challengeDeviceRefresh(deps: SessionDeps, { sessionId }: { sessionId: string }): Promise<string> {
  const found = await sessionById(deps.db, sessionId);
  // Only a live bound session is worth a challenge; the rest learn nothing more than "no".
  if (!found || !isLive(found.session, deps.clock()) || !isDeviceBound(found.session))
    throw new AuthError('SESSION_REVOKED', 'No live device-bound session with this id');
  const challenge = await issueDbscChallenge(deps, { sessionId, purpose: 'refresh' });
  deps.metrics.dbsc('challenged');
  return challenge;
}

/**
 * POST /auth/dbsc/refresh with a proof: verified with the bound key over a challenge issued for
 * this session, then the next refresh token. Every failure leaves the session as it was.
 * `cookie`: the refresh cookie the request carried, if any (a renewal before it expired).
 */
export async function refreshBoundSession(
  deps: SessionDeps,
  {
    sessionId,
    proof,
    cookie = null,
    context = {},
  }: { sessionId: string; proof: string; cookie?: string | null; context?: RequestContext },
): Promise<IssuedSession> {
  const found = await sessionById(deps.db, sessionId);
  if (!found || !isLive(found.session, deps.clock()))
    throw new AuthError('SESSION_REVOKED', 'No live device-bound session with this id');
  const key = parseDeviceKey(found.session.dbscKey);
  if (!key) {
    await recordFailure(deps, { session: found.session, step: 'refresh', reason: 'not_bound', context });
    throw refused('This session is not bound to a device');
  }
  // The bound key, and only it, may renew: another device's (or another session's) key fails here.
  const verified = await verifyRefreshProof(proof, key).catch(async (err: unknown) => {
    await recordFailure(deps, { session: found.session, step: 'refresh', reason: 'bad_proof', context });
    throw err;
  });
  // The challenge must be one we issued for this session, unused: a recorded proof is worthless.
  if (!(await consumeDbscChallenge(deps, { challenge: verified.jti, purpose: 'refresh', sessionId }))) {
    await recordFailure(deps, { session: found.session, step: 'refresh', reason: 'unknown_challenge', context });
    throw refused('The refresh challenge is unknown, used or expired');
  }
  // The proof stands for this session's key: if a refresh of the page (or a logout) changed the
  // session meanwhile, renew what is there now, as long as it is the same live bound session.
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = attempt === 0 ? found : await sessionById(deps.db, sessionId);
    if (!current || !isLive(current.session, deps.clock()) || current.session.dbscKey !== found.session.dbscKey) break;
    const issued =
      (await answerRacingRefresh(deps, current, cookie)) ??
      (await rotateWithDeviceProof(deps, {
        ...current,
        presented: await currentToken(deps, current.session, cookie),
        context,
      }));
    if (issued) {
      deps.metrics.dbsc('renewed');
      return issued;
    }
  }
  throw new AuthError('SESSION_REVOKED', 'This session has been signed out');
}

/** The browser's cookie if it is the session's current token (sent along when it had not expired yet). */
async function currentToken(
  deps: Pick<SessionDeps, 'crypto'>,
  session: SessionRow,
  cookie: string | null,
): Promise<string | undefined> {
  return cookie && session.refreshHash && timingSafeEqual(await deps.crypto.sha256(cookie), session.refreshHash)
    ? cookie
    : undefined;
}

/**
 * The page's /auth/refresh with the same cookie rotated the session a moment ago (the browser
 * renews on its own schedule, the page on its own): its successor, sealed to that cookie, is the
 * answer, so both responses set the same cookie whichever the browser stores last.
 */
async function answerRacingRefresh(
  deps: SessionDeps,
  { session, user }: { session: SessionRow; user: UserRow },
  cookie: string | null,
): Promise<IssuedSession | null> {
  const { refreshPrevHash, refreshPrevSealed, refreshAt } = session;
  if (!cookie || !refreshPrevHash || !refreshPrevSealed || refreshAt === null) return null;
  if (deps.clock() - refreshAt > deps.config.refreshReuseWindow * 1000) return null;
  if (!timingSafeEqual(await deps.crypto.sha256(cookie), refreshPrevHash)) return null;
  const next = await deps.crypto.unseal(cookie, SUCCESSOR_INFO, refreshPrevSealed);
  return next ? { ...(await issueSession(deps, user, session, next)), replayed: true } : null;
}
