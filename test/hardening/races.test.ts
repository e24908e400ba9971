/**
 * Races, each with its stated outcome (issue 8, item 3). Everything runs through HTTP on the real
 * app (test/helpers/harness.ts) on a temp-file SQLite database; "parallel" means the requests are
 * in flight together and interleave at every await of the handlers, as on a busy server.
 *
 * Stated outcomes:
 * 1. N parallel refreshes presenting one cookie: all 200, all with the SAME successor cookie and the
 *    same sid; exactly one rotation is stored (the session row moves one generation on); the
 *    session stays alive (no reuse detected) and the successor refreshes. Holds generation after
 *    generation. (The base case is test/refresh-sessions.test.ts "gives 10 parallel refreshes with
 *    one cookie one successor, and keeps the session"; here: more requests, several generations,
 *    and a mix of two generations at once.)
 * 2. N parallel verifies of one emailed message, half by link and half by code: exactly one 2xx
 *    (201 for a new address, 200 for an account), every other one 401
 *    (INVALID_LINK / INVALID_CODE); exactly one session, one account, and the message row used up by
 *    exactly one request. (Base case: test/email-sign-in.test.ts "gives 20 parallel verifies of one
 *    token exactly one success".)
 * 3. Parallel assertions with one passkey:
 *    - the same assertion N times (one challenge): exactly one 200, the rest 401 CHALLENGE_EXPIRED;
 *    - N assertions with distinct challenges and the SAME counter: exactly one 200, the rest 401
 *      COUNTER_REPLAY (base case with 2: test/passkeys-refusals.test.ts "starts exactly one session
 *      from two parallel assertions with the same counter");
 *    - N assertions with distinct challenges and increasing counters: at least one 200; every
 *      accepted assertion moved the stored counter exactly once, strictly upwards, to its own
 *      value; every refused one is 401 COUNTER_REPLAY, audited, and started no session (an
 *      assertion that read the counter before a parallel one moved it is refused even when its
 *      counter is higher: the conditional UPDATE compares with the value it read).
 *    In every case: sessions started = assertions accepted = counter moves (recorded by a trigger).
 * 4. Parallel deletes of an account's passkeys: every passkey may go (the proved address is the
 *    way in); each is deleted once (one 204, any other request for it 404), and the address
 *    still signs in.
 * 5. Logout racing a refresh of the same session (the same cookie): the logout is 204; the refresh
 *    either succeeded before the logout (200, and then its new cookie and access token are dead at
 *    once) or fails 401 (SESSION_REVOKED); in both cases the session ends revoked (reason 'logout',
 *    audited once) and no cookie of it refreshes any more.
 */
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { aroundNextBatch } from '../helpers/intercept-batch.js';
import { createHarness, refreshCookieOf, type Harness } from '../helpers/harness.js';
import { SoftAuthenticator, type GetAssertionOpts } from '../helpers/soft-authenticator.js';
import { extractLinkAndCode } from '../helpers/smtp-capture.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness({ env: { REFRESH_REUSE_WINDOW: '10', RATE_LIMIT_EMAILS_PER_HOUR: '1000' } });
});
afterEach(() => h.close());

interface SessionBody {
  accessToken: string;
  user: { id: string; email: string; emailVerified: boolean };
}

const rows = <T = Record<string, unknown>>(q: string, ...args: unknown[]) =>
  h.sqlite.sqlite.prepare(q).all(...args) as T[];
const one = (q: string, ...args: unknown[]) =>
  Number(Object.values(h.sqlite.sqlite.prepare(q).get(...args) as object)[0]);
const codeOf = async (res: Response) => ((await res.clone().json()) as { error?: { code: string } }).error?.code;
const refresh = (cookie: string) => h.request('/auth/refresh', { body: {}, cookie });
const origin = () => h.config.publicUrl;

/** Resolves after `turns` trips through the event loop: staggers one request against another. */
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

// ---------------------------------------------------------------------------------------------

describe('1. parallel refreshes with one cookie', () => {
  it('all 200 with one successor (only in Set-Cookie) and one sid, one rotation stored per generation, session alive (25 requests x 5 generations)', async () => {
    const first = await h.signIn('chain@example.com');
    let cookie = first.refreshToken;
    for (let generation = 1; generation <= 5; generation++) {
      const results = await Promise.all(Array.from({ length: 25 }, () => refresh(cookie)));
      expect(results.map((r) => r.status)).toEqual(Array(25).fill(200));
      const successors = new Set(results.map(refreshCookieOf));
      expect(successors.size).toBe(1);
      const successor = [...successors][0]!;
      expect(successor).not.toBe(cookie);
      const bodies = await Promise.all(results.map(async (r) => (await r.json()) as SessionBody));
      expect(new Set(bodies.map((b) => decodeJwt(b.accessToken).sid))).toEqual(new Set([first.session.id]));
      // The refresh token travels only in Set-Cookie, never in the body.
      for (const b of bodies) {
        expect(Object.keys(b).sort()).toEqual(['accessToken', 'expiresIn', 'tokenType', 'user']);
        expect(JSON.stringify(b)).not.toContain(successor);
      }
      // One rotation per generation: the session row moved exactly one generation on, and no rows were added.
      expect(one('SELECT refresh_gen FROM sessions WHERE id = ?', first.session.id)).toBe(generation);
      expect(one('SELECT count(*) FROM refresh_tokens')).toBe(0);
      cookie = successor;
    }
    expect(rows('SELECT revoked_at FROM sessions WHERE id = ?', first.session.id)).toEqual([{ revoked_at: null }]);
    expect(one("SELECT count(*) FROM audit_events WHERE type = 'session.refresh_reuse_detected'")).toBe(0);
    expect((await refresh(cookie)).status).toBe(200);
  });

  it('two generations at once (slow tab with the old cookie, fast tab with the new): all 200, same sid, session alive', async () => {
    const s = await h.signIn();
    const b = refreshCookieOf(await refresh(s.refreshToken))!;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => refresh(i % 2 ? b : s.refreshToken)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    // Inside the window the old cookie is answered with the newest successor it can reach: B or C.
    const got = new Set(results.map(refreshCookieOf));
    expect(got.has(s.refreshToken)).toBe(false);
    expect(got.size).toBeLessThanOrEqual(2);
    expect(one('SELECT refresh_gen FROM sessions')).toBe(2);
    expect(one("SELECT count(*) FROM audit_events WHERE type = 'session.refresh_reuse_detected'")).toBe(0);
    for (const c of got) expect((await refresh(c!)).status).toBe(200);
    expect(rows('SELECT revoked_at FROM sessions')).toEqual([{ revoked_at: null }]);
  });
});

// ---------------------------------------------------------------------------------------------

async function mailFor(email: string) {
  expect((await h.request('/auth/email/start', { body: { email } })).status).toBe(202);
  const { messages } = (await (await h.request('/dev/outbox')).json()) as { messages: { to: string; text: string }[] };
  const message = messages.find((m) => m.to === email);
  return extractLinkAndCode(message!.text);
}

async function registrationOptions(body: unknown, token?: string) {
  const res = await h.request('/auth/passkeys/register/options', { body, token });
  expect(res.status).toBe(200);
  return (await res.json()) as PublicKeyCredentialCreationOptionsJSON;
}

/** An account (its address proved) with a first passkey. */
async function signUp(email: string, device = new SoftAuthenticator()) {
  const issued = await h.signIn(email);
  const body: SessionBody = {
    accessToken: issued.accessToken,
    user: { id: issued.user.id, email: issued.user.email, emailVerified: true },
  } as SessionBody;
  const response = device.createCredential({
    options: await registrationOptions({}, body.accessToken),
    origin: origin(),
  });
  const res = await h.request('/auth/passkeys/register/verify', { body: { response }, token: body.accessToken });
  expect(res.status).toBe(201);
  return { device, body, id: response.id };
}

async function addPasskey(token: string) {
  const device = new SoftAuthenticator();
  const response = device.createCredential({ options: await registrationOptions({}, token), origin: origin() });
  const res = await h.request('/auth/passkeys/register/verify', { body: { response }, token });
  expect(res.status).toBe(201);
  return { device, id: response.id };
}

async function assertion(device: SoftAuthenticator, opts: Partial<GetAssertionOpts> = {}) {
  const res = await h.request('/auth/passkeys/login/options', { body: {} });
  expect(res.status).toBe(200);
  return device.getAssertion({
    options: (await res.json()) as PublicKeyCredentialRequestOptionsJSON,
    origin: origin(),
    ...opts,
  });
}

const loginVerify = (response: unknown) => h.request('/auth/passkeys/login/verify', { body: { response } });

describe('2. parallel verifies of one emailed message (link and code mixed)', () => {
  async function race(email: string) {
    const { token, code } = await mailFor(email);
    const rowId = rows<{ id: string }>('SELECT id FROM email_tokens WHERE email = ? AND consumed_at IS NULL', email)[0]!
      .id;
    const sessionsBefore = one("SELECT count(*) FROM sessions WHERE method = 'email'");
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        h.request('/auth/email/verify', { body: i % 2 ? { token } : { email, code } }),
      ),
    );
    const ok = results.filter((r) => r.status < 300);
    expect(ok).toHaveLength(1);
    const refused = results.filter((r) => r.status >= 300);
    expect(refused.map((r) => r.status)).toEqual(Array(15).fill(401));
    for (const r of refused) expect(['INVALID_LINK', 'INVALID_CODE']).toContain(await codeOf(r));
    expect(one("SELECT count(*) FROM sessions WHERE method = 'email'")).toBe(sessionsBefore + 1);
    // The message's row was used up by exactly one request (its nonce), and the address has one account.
    expect(rows('SELECT consumed_by IS NOT NULL AS used FROM email_tokens WHERE id = ?', rowId)).toEqual([{ used: 1 }]);
    expect(one('SELECT count(*) FROM users WHERE email = ?', email)).toBe(1);
    expect(
      one(
        "SELECT count(*) FROM audit_events WHERE type = 'email.verified' AND user_id = (SELECT id FROM users WHERE email = ?)",
        email,
      ),
    ).toBe(one('SELECT count(*) FROM email_tokens WHERE email = ? AND consumed_by IS NOT NULL', email));
    const body = (await ok[0]!.json()) as SessionBody;
    expect(body.user.emailVerified).toBe(true);
    expect((await h.request('/api/me', { token: body.accessToken })).status).toBe(200);
    return { status: ok[0]!.status, body };
  }

  it('a first-time address: one 201, one account', async () => {
    expect((await race('new@example.com')).status).toBe(201);
    expect(one("SELECT count(*) FROM audit_events WHERE type = 'account.created'")).toBe(1);
  });

  it('a verified account: one 200, the same account', async () => {
    const first = await race('known@example.com');
    const again = await race('known@example.com');
    expect(again.status).toBe(200);
    expect(again.body.user.id).toBe(first.body.user.id);
  });
});

// ---------------------------------------------------------------------------------------------

describe('3. parallel assertions with one passkey', () => {
  /** A TEMP trigger on the app's own connection logs every change of a stored counter. */
  function watchCounters() {
    h.sqlite.sqlite.exec(`
      CREATE TEMP TABLE counter_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT, old_counter INTEGER, new_counter INTEGER);
      CREATE TEMP TRIGGER counter_moves AFTER UPDATE OF counter ON main.passkeys
      BEGIN INSERT INTO counter_log (id, old_counter, new_counter) VALUES (new.id, old.counter, new.counter); END;`);
    return () =>
      rows<{ old_counter: number; new_counter: number }>(
        'SELECT old_counter, new_counter FROM counter_log ORDER BY seq',
      );
  }

  const counterOf = (id: string) => one('SELECT counter FROM passkeys WHERE id = ?', id);

  it('the same assertion sent 10 times: exactly one 200, the rest 401 CHALLENGE_EXPIRED, the counter moves once', async () => {
    const { device, id } = await signUp('same@example.com');
    const log = watchCounters();
    const response = await assertion(device);
    const results = await Promise.all(Array.from({ length: 10 }, () => loginVerify(response)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) {
      expect(r.status).toBe(401);
      expect(await codeOf(r)).toBe('CHALLENGE_EXPIRED');
    }
    expect(log()).toEqual([{ old_counter: 0, new_counter: 1 }]);
    expect(counterOf(id)).toBe(1);
  });

  it('10 distinct challenges with the same counter: exactly one 200, the rest 401 COUNTER_REPLAY, one counter move (3 rounds)', async () => {
    const { device, id, body } = await signUp('counter@example.com');
    const log = watchCounters();
    const sessionsBefore = one('SELECT count(*) FROM sessions WHERE user_id = ?', body.user.id);
    for (const [round, counter] of [3, 8, 20].entries()) {
      const responses = [];
      for (let i = 0; i < 10; i++) responses.push(await assertion(device, { counterOverride: counter }));
      const results = await Promise.all(responses.map(loginVerify));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      for (const r of results.filter((r) => r.status !== 200)) {
        expect(r.status).toBe(401);
        expect(await codeOf(r)).toBe('COUNTER_REPLAY');
      }
      expect(counterOf(id)).toBe(counter);
      expect(log()).toHaveLength(round + 1);
      expect(one('SELECT count(*) FROM sessions WHERE user_id = ?', body.user.id)).toBe(sessionsBefore + round + 1);
    }
    expect(log()).toEqual([
      { old_counter: 0, new_counter: 3 },
      { old_counter: 3, new_counter: 8 },
      { old_counter: 8, new_counter: 20 },
    ]);
  });

  it('12 distinct challenges with increasing counters, sent at once in shuffled order: each accepted one moves the counter once, upwards', async () => {
    const { device, id, body } = await signUp('increasing@example.com');
    const log = watchCounters();
    const sessionsBefore = one('SELECT count(*) FROM sessions WHERE user_id = ?', body.user.id);
    const regressionsBefore = one("SELECT count(*) FROM audit_events WHERE type = 'passkey.counter_regression'");
    let moves = 0;
    for (let round = 0; round < 3; round++) {
      const responses = [];
      for (let i = 0; i < 12; i++)
        responses.push({ counter: device.credentials[0]!.counter + 1, response: await assertion(device) });
      // Shuffled, and staggered more each round (all at once; a little; spread out), so reads and
      // writes interleave differently: from "all read the same counter" to "some read a moved one".
      const order = responses
        .map((r, i) => ({ r, k: (i * 7 + round * 5) % 12 }))
        .sort((a, b) => a.k - b.k)
        .map((x) => x.r);
      const stagger = (i: number) => [0, i % 3, i * 6][round]!;
      const results = await Promise.all(
        order.map(async ({ counter, response }, i) => ({
          counter,
          res: await turns(stagger(i)).then(() => loginVerify(response)),
        })),
      );
      const accepted = results.filter((r) => r.res.status === 200).map((r) => r.counter);
      const refused = results.filter((r) => r.res.status !== 200);
      expect(accepted.length).toBeGreaterThanOrEqual(1);
      for (const r of refused) {
        expect(r.res.status).toBe(401);
        expect(await codeOf(r.res)).toBe('COUNTER_REPLAY');
      }
      const roundLog = log().slice(moves);
      moves += roundLog.length;
      // One move per accepted assertion, each to that assertion's own counter, strictly upwards.
      expect(roundLog).toHaveLength(accepted.length);
      expect(roundLog.map((m) => m.new_counter).sort((a, b) => a - b)).toEqual([...accepted].sort((a, b) => a - b));
      for (const m of roundLog) expect(m.new_counter).toBeGreaterThan(m.old_counter);
      for (let i = 1; i < roundLog.length; i++) expect(roundLog[i]!.old_counter).toBe(roundLog[i - 1]!.new_counter);
      expect(counterOf(id)).toBe(roundLog.at(-1)!.new_counter);
    }
    expect(one('SELECT count(*) FROM sessions WHERE user_id = ?', body.user.id)).toBe(sessionsBefore + moves);
    expect(one("SELECT count(*) FROM audit_events WHERE type = 'passkey.counter_regression'")).toBe(
      regressionsBefore + 36 - moves,
    );
    // The passkey is not locked out: the next assertion (counter above all) signs in.
    expect((await loginVerify(await assertion(device))).status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------

describe('4. parallel deletes of the last passkeys', () => {
  async function accountWith(k: number, email: string) {
    const first = await signUp(email);
    const devices = new Map([[first.id, first.device]]);
    for (let i = 1; i < k; i++) {
      const added = await addPasskey(first.body.accessToken);
      devices.set(added.id, added.device);
    }
    return { token: first.body.accessToken, userId: first.body.user.id, devices };
  }

  const del = (id: string, token: string) => h.request(`/auth/passkeys/${id}`, { method: 'DELETE', token });

  it('a proven address is a way in: every passkey may go, each deleted once (204, else 404), and the address still signs in', async () => {
    const { token, userId, devices } = await accountWith(3, 'proven@example.com');
    const ids = [...devices.keys()];
    const results = await Promise.all(
      ids.flatMap((id) => [id, id]).map(async (id) => ({ id, res: await del(id, token) })),
    );
    for (const id of ids)
      expect(
        results
          .filter((r) => r.id === id)
          .map((r) => r.res.status)
          .sort(),
      ).toEqual([204, 404]);
    expect(one('SELECT count(*) FROM passkeys WHERE user_id = ?', userId)).toBe(0);
    const { code } = await mailFor('proven@example.com');
    const res = await h.request('/auth/email/verify', { body: { email: 'proven@example.com', code } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as SessionBody).user.id).toBe(userId);
  });
});

// ---------------------------------------------------------------------------------------------

describe('5. logout racing a refresh of the same session', () => {
  /** Checks the stated outcome for one race and says which way it went. */
  async function expectOutcome(
    s: { refreshToken: string; accessToken: string; session: { id: string } },
    refreshed: Response,
    logout: Response,
  ) {
    expect(logout.status).toBe(204);
    expect([200, 401]).toContain(refreshed.status);
    const [session] = rows<{ revoked_at: number | null; revoked_reason: string | null }>(
      'SELECT revoked_at, revoked_reason FROM sessions WHERE id = ?',
      s.session.id,
    );
    expect(session!.revoked_at).not.toBeNull();
    expect(session!.revoked_reason).toBe('logout');
    expect(
      one("SELECT count(*) FROM audit_events WHERE type = 'session.logout' AND session_id = ?", s.session.id),
    ).toBe(1);
    expect((await h.request('/api/me', { token: s.accessToken })).status).toBe(401);
    expect((await refresh(s.refreshToken)).status).toBe(401);
    if (refreshed.status === 200) {
      // It succeeded before the logout: what it handed out is dead now too.
      const next = refreshCookieOf(refreshed)!;
      const { accessToken } = (await refreshed.json()) as SessionBody;
      expect(decodeJwt(accessToken).sid).toBe(s.session.id);
      expect((await h.request('/api/me', { token: accessToken })).status).toBe(401);
      expect((await refresh(next)).status).toBe(401);
      return 'refreshed first' as const;
    }
    expect(await codeOf(refreshed)).toBe('SESSION_REVOKED');
    // A failed refresh clears the cookie.
    expect(refreshed.headers.getSetCookie().join()).toContain('Max-Age=0');
    return 'logged out first' as const;
  }

  it('logout lands between the refresh reading the token and writing the rotation: 401, session revoked', async () => {
    const s = await h.signIn();
    let logout: Response | undefined;
    aroundNextBatch(h.deps.db, {
      before: async () => {
        logout = await h.request('/auth/logout', { body: {}, cookie: s.refreshToken });
      },
    });
    const refreshed = await refresh(s.refreshToken);
    expect(await expectOutcome(s, refreshed, logout!)).toBe('logged out first');
  });

  it('logout lands after the rotation committed, before its answer: 200, and the new cookie and token are dead at once', async () => {
    const s = await h.signIn();
    let logout: Promise<Response> | undefined;
    aroundNextBatch(h.deps.db, {
      after: async () => {
        logout = h.request('/auth/logout', { body: {}, cookie: s.refreshToken });
        await logout;
      },
    });
    const refreshed = await refresh(s.refreshToken);
    expect(await expectOutcome(s, refreshed, (await logout)!)).toBe('refreshed first');
  });

  it('staggered by 0..39 event-loop turns either way (40 sessions): every race ends in one of the two stated outcomes', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const s = await h.signIn();
      const lead = i % 2 === 0;
      const [refreshed, logout] = await Promise.all([
        turns(lead ? 0 : i >> 1).then(() => refresh(s.refreshToken)),
        turns(lead ? i >> 1 : 0).then(() => h.request('/auth/logout', { body: {}, cookie: s.refreshToken })),
      ]);
      seen.add(await expectOutcome(s, refreshed, logout));
    }
    // Both orders were exercised (the forced cases above pin each one down).
    expect(seen).toEqual(new Set(['refreshed first', 'logged out first']));
  });

  it('logout with the old cookie while parallel refreshes rotate it: the session still ends revoked', async () => {
    const s = await h.signIn();
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => refresh(s.refreshToken)),
      h.request('/auth/logout', { body: {}, cookie: s.refreshToken }),
      ...Array.from({ length: 5 }, () => refresh(s.refreshToken)),
    ]);
    const logout = results[5]!;
    expect(logout.status).toBe(204);
    for (const r of results.filter((r) => r !== logout)) expect([200, 401]).toContain(r.status);
    expect(rows('SELECT revoked_reason FROM sessions')).toEqual([{ revoked_reason: 'logout' }]);
    for (const r of results.filter((r) => r.status === 200))
      expect((await refresh(refreshCookieOf(r)!)).status).toBe(401);
  });
});
