/**
 * Device-bound sessions over HTTP (API.md "Device-bound sessions"), driven by a software DBSC
 * browser that signs as Chromium does (helpers/dbsc-client.ts), against the real app on SQLite.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, refreshCookieOf, type Harness } from './helpers/harness.js';
import { aroundNextBatch } from './helpers/intercept-batch.js';
import { extractLinkAndCode } from './helpers/smtp-capture.js';
import { issueDbscChallenge } from '../src/auth/sessions/dbsc-challenges.js';
import {
  generateDbscKey,
  parseChallengeHeader,
  parseRegistrationOffer,
  refreshProof,
  registrationProof,
  signProof,
  type DbscKeyPair,
} from './helpers/dbsc-client.js';

const TTL = 600;
let h: Harness;
beforeEach(async () => {
  h = await createHarness({
    env: { DBSC_COOKIE_TTL: String(TTL), SESSION_IDLE_TTL: '86400', SESSION_ABSOLUTE_TTL: '604800' },
  });
});
afterEach(() => h.close());

/** What a browser's fetch carries besides the cookie: Fetch Metadata, and its own Origin. */
const BROWSER = { 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'same-origin' };
const refresh = (cookie: string, headers: Record<string, string> = BROWSER) =>
  h.request('/auth/refresh', { body: {}, cookie, headers });
/** Chromium's DBSC requests: POST, no body, no Content-Type, only the DBSC headers. */
const dbscPost = (path: string, headers: Record<string, string>) => h.request(path, { method: 'POST', headers });
const register = (proof: string) => dbscPost('/auth/dbsc/register', { 'secure-session-response': proof });
const dbscRefresh = (sid: string, proof?: string) =>
  dbscPost('/auth/dbsc/refresh', {
    'sec-secure-session-id': sid,
    ...(proof ? { 'secure-session-response': proof } : {}),
  });

const maxAgeOf = (res: Response) =>
  Number(
    /Max-Age=(\d+)/.exec(res.headers.getSetCookie().find((l) => l.startsWith('__Host-sesame_refresh=')) ?? '')?.[1],
  );
const sessionRow = (sid: string) =>
  h.sqlite.sqlite.prepare('SELECT * FROM sessions WHERE id = ?').get(sid) as Record<string, unknown>;
const auditOf = (type: string) =>
  h.sqlite.sqlite.prepare('SELECT * FROM audit_events WHERE type = ? ORDER BY id').all(type) as {
    detail: string;
    session_id: string;
  }[];
const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

/** Signs in, takes the offer from a browser's refresh, registers `key`: a bound session and its cookie. */
async function bound(key: DbscKeyPair = generateDbscKey()) {
  const signedIn = await h.signIn();
  const res = await refresh(signedIn.refreshToken);
  const offer = parseRegistrationOffer(res.headers.get('secure-session-registration'))!;
  const reg = await register(registrationProof(key, offer.challenge));
  expect(reg.status).toBe(200);
  return { sid: signedIn.session.id, userId: signedIn.user.id, key, cookie: refreshCookieOf(reg)!, registration: reg };
}

/** The browser's refresh dance: 403 with a challenge, then the proof over it. */
async function renew(sid: string, key: DbscKeyPair) {
  const challenged = await dbscRefresh(sid);
  expect(challenged.status).toBe(403);
  const { challenge, id } = parseChallengeHeader(challenged.headers.get('secure-session-challenge'))!;
  expect(id).toBe(sid);
  return dbscRefresh(sid, refreshProof(key, challenge));
}

describe('registration', () => {
  it('offers ES256 registration with a single-use challenge on a browser session response, stored only as its hash', async () => {
    const { refreshToken } = await h.signIn();
    const res = await refresh(refreshToken);
    expect(res.status).toBe(200);
    const offer = parseRegistrationOffer(res.headers.get('secure-session-registration'));
    expect(offer).toMatchObject({ algorithms: ['ES256'], path: '/auth/dbsc/register' });
    expect(offer!.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = h.sqlite.sqlite.prepare('SELECT * FROM dbsc_challenges').all() as { hash: string; purpose: string }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.purpose).toBe('registration');
    expect(JSON.stringify(rows)).not.toContain(offer!.challenge);
  });

  it('makes no offer to a client that is not a browser (no Fetch Metadata)', async () => {
    const { refreshToken } = await h.signIn();
    const res = await refresh(refreshToken, {});
    expect(res.status).toBe(200);
    expect(res.headers.get('secure-session-registration')).toBeNull();
    expect(h.sqlite.sqlite.prepare('SELECT count(*) AS n FROM dbsc_challenges').get()).toEqual({ n: 0 });
  });

  it('binds the key and answers the session config with the refresh cookie as the bound credential', async () => {
    const { sid, registration, cookie } = await bound();
    expect(registration.headers.get('cache-control')).toBe('no-store');
    expect(await registration.json()).toEqual({
      session_identifier: sid,
      refresh_url: '/auth/dbsc/refresh',
      scope: {
        origin: h.config.publicUrl,
        include_site: false,
        scope_specification: [{ type: 'exclude', domain: 'localhost', path: '/assets' }],
      },
      credentials: [
        { type: 'cookie', name: '__Host-sesame_refresh', attributes: 'Path=/; Secure; HttpOnly; SameSite=Strict' },
      ],
    });
    // The registration rotated the cookie into one that lives DBSC_COOKIE_TTL.
    expect(cookie).toBeTruthy();
    expect(maxAgeOf(registration)).toBe(TTL);
    expect(sessionRow(sid).dbsc_key).toBeTruthy();
    expect(auditOf('session.dbsc_bound')).toHaveLength(1);
    // A bound session is offered nothing more.
    const next = await refresh(cookie);
    expect(next.status).toBe(200);
    expect(next.headers.get('secure-session-registration')).toBeNull();
    expect(maxAgeOf(next)).toBe(TTL);
  });

  it('uses a challenge once: the same proof again, or a second key for the session, is refused', async () => {
    const signedIn = await h.signIn();
    const res = await refresh(signedIn.refreshToken);
    const offer = parseRegistrationOffer(res.headers.get('secure-session-registration'))!;
    const proof = registrationProof(generateDbscKey(), offer.challenge);
    expect((await register(proof)).status).toBe(200);
    const again = await register(proof);
    expect(again.status).toBe(401);
    expect(await errorCode(again)).toBe('DBSC_PROOF_INVALID');
    // A second live registration challenge for one session (two offers that raced, as before
    // offers were made once) cannot bind a second key.
    const stale = await h.signIn();
    const s1 = parseRegistrationOffer((await refresh(stale.refreshToken)).headers.get('secure-session-registration'))!;
    const s2 = await issueDbscChallenge(h.deps, { sessionId: stale.session.id, purpose: 'registration' });
    expect((await register(registrationProof(generateDbscKey(), s1.challenge))).status).toBe(200);
    const second = await register(registrationProof(generateDbscKey(), s2));
    expect(second.status).toBe(401);
    expect(auditOf('session.dbsc_proof_failed').map((e) => JSON.parse(e.detail).reason)).toContain('already_bound');
  });

  it('refuses a bad proof: another key than the embedded one, no jwk, a made-up challenge', async () => {
    const { refreshToken } = await h.signIn();
    const offer = parseRegistrationOffer((await refresh(refreshToken)).headers.get('secure-session-registration'))!;
    const key = generateDbscKey();
    const forged = signProof(generateDbscKey(), {
      jti: offer.challenge,
      embedKey: false,
      header: { jwk: key.publicJwk },
    });
    for (const proof of [forged, refreshProof(key, offer.challenge), registrationProof(key, 'made-up')]) {
      const res = await register(proof);
      expect(res.status).toBe(401);
      expect(await errorCode(res)).toBe('DBSC_PROOF_INVALID');
    }
    // None of them spent the offer: the genuine proof still binds.
    expect((await register(registrationProof(key, offer.challenge))).status).toBe(200);
  });
});

describe('the request rules', () => {
  it("lets exactly Chromium's bodiless DBSC POSTs past the JSON rule, and nothing else", async () => {
    // Without the DBSC header, with a body, or with a Content-Type: the JSON rule applies (415).
    expect((await dbscPost('/auth/dbsc/register', {})).status).toBe(415);
    expect((await dbscPost('/auth/dbsc/refresh', { 'secure-session-response': 'x' })).status).toBe(415);
    expect(
      (
        await h.request('/auth/dbsc/register', {
          method: 'POST',
          rawBody: 'x',
          headers: { 'secure-session-response': 'x' },
        })
      ).status,
    ).toBe(415);
    expect(
      (await dbscPost('/auth/dbsc/register', { 'secure-session-response': 'x', 'content-type': 'text/plain' })).status,
    ).toBe(415);
    // Other paths get no such exemption, whatever headers they carry.
    expect(
      (await dbscPost('/auth/refresh', { 'secure-session-response': 'x', 'sec-secure-session-id': 'x' })).status,
    ).toBe(415);
    expect((await dbscPost('/auth/logout', { 'sec-secure-session-id': 'x' })).status).toBe(415);
    // A DBSC request itself reaches the route (401 for a proof that is not one).
    expect((await dbscPost('/auth/dbsc/register', { 'secure-session-response': 'x' })).status).toBe(401);
  });

  it('keeps the Origin rule for DBSC requests: a foreign Origin or a cross-site fetch is refused', async () => {
    const { sid } = await bound();
    expect(
      (await dbscPost('/auth/dbsc/refresh', { 'sec-secure-session-id': sid, origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect(
      (await dbscPost('/auth/dbsc/refresh', { 'sec-secure-session-id': sid, 'sec-fetch-site': 'cross-site' })).status,
    ).toBe(403);
    expect(
      (await dbscPost('/auth/dbsc/refresh', { 'sec-secure-session-id': sid, origin: h.config.publicUrl })).status,
    ).toBe(403);
    expect(
      await errorCode(
        await dbscPost('/auth/dbsc/refresh', { 'sec-secure-session-id': sid, origin: h.config.publicUrl }),
      ),
    ).toBe('DBSC_CHALLENGE');
  });
});

describe('binding enforced by the server', () => {
  it('accepts the bound cookie until DBSC_COOKIE_TTL, then refuses it without touching the session', async () => {
    const { sid, cookie } = await bound();
    h.advance(TTL * 1000);
    const inTime = await refresh(cookie);
    expect(inTime.status).toBe(200);
    const next = refreshCookieOf(inTime)!;
    h.advance(TTL * 1000 + 1);
    const before = sessionRow(sid);
    const late = await refresh(next);
    expect(late.status).toBe(401);
    expect(await errorCode(late)).toBe('DBSC_PROOF_REQUIRED');
    // Nothing changed: no cleared cookie, no revocation, the same generation.
    expect(late.headers.getSetCookie()).toEqual([]);
    expect(sessionRow(sid)).toEqual(before);
    expect(auditOf('session.dbsc_proof_failed').map((e) => JSON.parse(e.detail))).toEqual([
      { step: 'refresh', reason: 'cookie_expired' },
    ]);
  });

  it('renews through the challenge with the bound key: 403 + Secure-Session-Challenge, then 200 and the next cookie', async () => {
    const { sid, key, cookie: stolen } = await bound();
    h.advance(TTL * 1000 + 1);
    const renewed = await renew(sid, key);
    expect(renewed.status).toBe(200);
    expect(((await renewed.json()) as { session_identifier: string }).session_identifier).toBe(sid);
    expect(maxAgeOf(renewed)).toBe(TTL);
    const fresh = refreshCookieOf(renewed)!;
    // The deferred request goes on with the new cookie; the copy taken earlier stays dead.
    const after = await refresh(fresh);
    expect(after.status).toBe(200);
    const thief = await refresh(stolen, {});
    expect(thief.status).toBe(401);
    expect(sessionRow(sid).revoked_at).toBeNull();
    expect((await refresh(refreshCookieOf(after)!)).status).toBe(200);
  });

  it('refuses bad, replayed and foreign proofs with 401 and changes nothing; the owner still renews', async () => {
    const owner = await bound();
    const other = await bound();
    h.advance(TTL * 1000 + 1);
    const before = sessionRow(owner.sid);
    const challengeOf = async () =>
      parseChallengeHeader((await dbscRefresh(owner.sid)).headers.get('secure-session-challenge'))!.challenge;

    const c1 = await challengeOf();
    const thief = await dbscRefresh(owner.sid, refreshProof(generateDbscKey(), c1));
    const foreign = await dbscRefresh(owner.sid, refreshProof(other.key, c1));
    const garbage = await dbscRefresh(owner.sid, 'not-a-proof');
    const unknownChallenge = await dbscRefresh(owner.sid, refreshProof(owner.key, 'made-up'));
    // A challenge issued for another session does not renew this one.
    const otherChallenge = parseChallengeHeader(
      (await dbscRefresh(other.sid)).headers.get('secure-session-challenge'),
    )!.challenge;
    const crossed = await dbscRefresh(owner.sid, refreshProof(owner.key, otherChallenge));
    for (const res of [thief, foreign, garbage, unknownChallenge, crossed]) {
      expect(res.status).toBe(401);
      expect(await errorCode(res)).toBe('DBSC_PROOF_INVALID');
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    expect(sessionRow(owner.sid)).toEqual(before);
    // The owner's genuine proof over the first challenge still works (a failed proof spends nothing), once.
    const good = refreshProof(owner.key, c1);
    expect((await dbscRefresh(owner.sid, good)).status).toBe(200);
    const replayed = await dbscRefresh(owner.sid, good);
    expect(replayed.status).toBe(401);
    const reasons = auditOf('session.dbsc_proof_failed').map((e) => JSON.parse(e.detail).reason);
    expect(reasons).toEqual([
      'bad_proof',
      'bad_proof',
      'bad_proof',
      'unknown_challenge',
      'unknown_challenge',
      'unknown_challenge',
    ]);
    expect(new Set(auditOf('session.dbsc_proof_failed').map((e) => e.session_id))).toEqual(new Set([owner.sid]));
  });

  it("a renewal racing the page's /auth/refresh with the same cookie: both get the same next cookie, in either order", async () => {
    const { sid, key, cookie } = await bound();
    // The browser renews before the cookie expired, so the cookie goes along with the proof.
    const renewWith = async (current: string) => {
      const { challenge } = parseChallengeHeader((await dbscRefresh(sid)).headers.get('secure-session-challenge'))!;
      return h.request('/auth/dbsc/refresh', {
        method: 'POST',
        cookie: current,
        headers: { 'sec-secure-session-id': sid, 'secure-session-response': refreshProof(key, challenge) },
      });
    };
    // The renewal first: the page's refresh with the same cookie is answered with the renewal's successor.
    const renewed = await renewWith(cookie);
    expect(renewed.status).toBe(200);
    const page = await refresh(cookie);
    expect(page.status).toBe(200);
    expect(refreshCookieOf(page)).toBe(refreshCookieOf(renewed));
    // The page's refresh first: the renewal with the same cookie is answered with its successor.
    const current = refreshCookieOf(page)!;
    const pageFirst = await refresh(current);
    const renewedAfter = await renewWith(current);
    expect(renewedAfter.status).toBe(200);
    expect(refreshCookieOf(renewedAfter)).toBe(refreshCookieOf(pageFirst));
    // The page's refresh lands between the renewal's read and its write: the renewal answers with it too.
    const third = refreshCookieOf(pageFirst)!;
    let raced: string | null = null;
    const { challenge } = parseChallengeHeader((await dbscRefresh(sid)).headers.get('secure-session-challenge'))!;
    aroundNextBatch(h.deps.db, {
      before: async () => {
        raced = refreshCookieOf(await refresh(third));
      },
    });
    const inTheMiddle = await h.request('/auth/dbsc/refresh', {
      method: 'POST',
      cookie: third,
      headers: { 'sec-secure-session-id': sid, 'secure-session-response': refreshProof(key, challenge) },
    });
    expect(inTheMiddle.status).toBe(200);
    expect(raced).toBeTruthy();
    expect(refreshCookieOf(inTheMiddle)).toBe(raced);
    expect((await refresh(raced!)).status).toBe(200);
    expect(sessionRow(sid).revoked_at).toBeNull();
  });

  it('a stolen older cookie of a bound session, replayed past the TTL, does not sign the owner out', async () => {
    const { sid, key, cookie: stolen } = await bound();
    const second = refreshCookieOf(await refresh(stolen))!;
    h.advance(TTL * 1000 + 60_000);
    // An older generation past its time: refused, and no reuse revocation a thief could trigger.
    expect((await refresh(stolen, {})).status).toBe(401);
    expect((await refresh(second, {})).status).toBe(401);
    expect(sessionRow(sid).revoked_at).toBeNull();
    expect((await renew(sid, key)).status).toBe(200);
  });

  it('a legacy-format token of a bound session, replayed past the TTL, is refused without signing the owner out', async () => {
    const legacy = await h.signInLegacy();
    const sid = legacy.session.id;
    // Its one rotation into the new format; the offer comes with it, and the browser binds.
    const rotated = await refresh(legacy.refreshToken);
    expect(rotated.status).toBe(200);
    const offer = parseRegistrationOffer(rotated.headers.get('secure-session-registration'))!;
    const key = generateDbscKey();
    expect((await register(registrationProof(key, offer.challenge))).status).toBe(200);
    h.advance(TTL * 1000 + 60_000);
    const before = sessionRow(sid);
    // The thief's copy of the token from before self-describing tokens: no reuse revocation either.
    const replay = await refresh(legacy.refreshToken, {});
    expect(replay.status).toBe(401);
    expect(await errorCode(replay)).toBe('DBSC_PROOF_REQUIRED');
    expect(replay.headers.getSetCookie()).toEqual([]);
    expect(sessionRow(sid)).toEqual(before);
    expect(auditOf('session.refresh_reuse_detected')).toEqual([]);
    expect(auditOf('session.dbsc_proof_failed').map((e) => JSON.parse(e.detail))).toEqual([
      { step: 'refresh', reason: 'cookie_expired' },
    ]);
    expect((await renew(sid, key)).status).toBe(200);
  });

  it('answers 401 for the DBSC refresh of an unknown, unbound or revoked session', async () => {
    const { sid, cookie } = await bound();
    const plain = await h.signIn();
    expect((await dbscRefresh('no-such-session')).status).toBe(401);
    expect((await dbscRefresh(plain.session.id)).status).toBe(401);
    expect((await dbscRefresh('bad id with spaces')).status).toBe(401);
    expect((await h.request('/auth/logout', { body: {}, cookie })).status).toBe(204);
    expect((await dbscRefresh(sid)).status).toBe(401);
  });

  it('lists bound sessions as such', async () => {
    const { userId } = await bound();
    const plain = await h.signIn(
      (h.sqlite.sqlite.prepare('SELECT email FROM users WHERE id = ?').get(userId) as { email: string }).email,
    );
    const res = await h.request('/auth/sessions', { token: plain.accessToken });
    const { sessions } = (await res.json()) as { sessions: { current: boolean; deviceBound: boolean }[] };
    expect(sessions.map((s) => [s.current, s.deviceBound]).sort()).toEqual([
      [false, true],
      [true, false],
    ]);
  });
});

describe('challenges at rest', () => {
  it('offers on every response of an unbound session, one challenge row per offer: a browser without DBSC keeps at most two live rows per session', async () => {
    const count = () => (h.sqlite.sqlite.prepare('SELECT count(*) AS n FROM dbsc_challenges').get() as { n: number }).n;
    const live = () =>
      (
        h.sqlite.sqlite.prepare('SELECT count(*) AS n FROM dbsc_challenges WHERE expires_at > ?').get(h.now()) as {
          n: number;
        }
      ).n;
    const { refreshToken } = await h.signIn();
    let cookie = refreshToken;
    const challenges: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await refresh(cookie);
      expect(res.status).toBe(200);
      // API.md: every session response of a session not yet bound carries the offer.
      challenges.push(parseRegistrationOffer(res.headers.get('secure-session-registration'))!.challenge);
      // The repeated offer lives a minute after the next is made: never more than two.
      expect(live()).toBeGreaterThanOrEqual(1);
      expect(live()).toBeLessThanOrEqual(2);
      cookie = refreshCookieOf(res)!;
      h.advance(60_000);
    }
    // An offer is repeated as it is for four minutes (its challenge then still lives a minute):
    // one row per offer made, not per response.
    expect(challenges[1]).toBe(challenges[0]);
    const offers = new Set(challenges);
    // A new offer every four to five minutes of this minute-by-minute traffic.
    expect(offers.size).toBeGreaterThanOrEqual(Math.ceil(30 / 5));
    expect(offers.size).toBeLessThanOrEqual(Math.ceil(30 / 4));
    expect(count()).toBe(offers.size);
    // The expired ones go at the next prune; the live one stays until it expires too.
    const { pruneExpired } = await import('../src/auth/prune.js');
    expect((await pruneExpired(h.deps)).dbscChallenges).toBe(offers.size - 1);
    h.advance(10 * 60_000);
    expect((await pruneExpired(h.deps)).dbscChallenges).toBe(1);
    expect(count()).toBe(0);
  });

  it('makes the offer on the sign-in response itself when a browser signs in, and repeats that offer on its refreshes without a new row', async () => {
    await h.request('/auth/email/start', { body: { email: 'offer@example.com' }, headers: BROWSER });
    const { code } = extractLinkAndCode(
      (h.sqlite.sqlite.prepare('SELECT text FROM mail_queue ORDER BY rowid DESC LIMIT 1').get() as { text: string })
        .text,
    );
    const signedIn = await h.request('/auth/email/verify', {
      body: { email: 'offer@example.com', code },
      headers: BROWSER,
    });
    expect(signedIn.status).toBe(201);
    const offer = parseRegistrationOffer(signedIn.headers.get('secure-session-registration'));
    expect(offer).not.toBeNull();
    const rows = () => (h.sqlite.sqlite.prepare('SELECT count(*) AS n FROM dbsc_challenges').get() as { n: number }).n;
    const before = rows();
    const next = await refresh(refreshCookieOf(signedIn)!);
    expect(next.status).toBe(200);
    expect(parseRegistrationOffer(next.headers.get('secure-session-registration'))?.challenge).toBe(offer!.challenge);
    expect(rows()).toBe(before);
  });

  it('offers again after a registration lost its race with a refresh of the same session', async () => {
    const signedIn = await h.signIn();
    const offered = await refresh(signedIn.refreshToken);
    const offer = parseRegistrationOffer(offered.headers.get('secure-session-registration'))!;
    let cookie = refreshCookieOf(offered)!;
    // The page's own refresh rotates the session between the registration's read and its write.
    aroundNextBatch(h.deps.db, {
      before: async () => {
        const raced = await refresh(cookie);
        expect(raced.status).toBe(200);
        // The same offer, repeated: its challenge is the one the registration is using up.
        expect(parseRegistrationOffer(raced.headers.get('secure-session-registration'))?.challenge).toBe(
          offer.challenge,
        );
        cookie = refreshCookieOf(raced)!;
      },
    });
    const lost = await register(registrationProof(generateDbscKey(), offer.challenge));
    expect(lost.status).toBe(401);
    expect(sessionRow(signedIn.session.id).dbsc_key).toBeNull();
    // The next browser response carries a new offer, and the browser binds with it.
    const again = await refresh(cookie);
    const second = parseRegistrationOffer(again.headers.get('secure-session-registration'));
    expect(second).not.toBeNull();
    expect(second!.challenge).not.toBe(offer.challenge);
    expect((await register(registrationProof(generateDbscKey(), second!.challenge))).status).toBe(200);
  });

  it('expire after 5 minutes and are pruned', async () => {
    const { pruneExpired } = await import('../src/auth/prune.js');
    const { refreshToken } = await h.signIn();
    const offer = parseRegistrationOffer((await refresh(refreshToken)).headers.get('secure-session-registration'))!;
    h.advance(5 * 60_000 + 1);
    const late = await register(registrationProof(generateDbscKey(), offer.challenge));
    expect(late.status).toBe(401);
    expect((await pruneExpired(h.deps)).dbscChallenges).toBe(1);
    expect(h.sqlite.sqlite.prepare('SELECT count(*) AS n FROM dbsc_challenges').get()).toEqual({ n: 0 });
  });
});

describe('sessions that never registered', () => {
  it('keep plain rotation: a cookie older than DBSC_COOKIE_TTL still refreshes, with the usual Max-Age', async () => {
    const { refreshToken, session } = await h.signIn();
    h.advance(TTL * 1000 * 5);
    const res = await refresh(refreshToken);
    expect(res.status).toBe(200);
    expect(maxAgeOf(res)).toBe((session.absoluteExpiresAt - h.now()) / 1000);
    expect(sessionRow(session.id).dbsc_key).toBeNull();
  });
});
