/**
 * createAuthClient's rules (restore, renewal, single flight, retries, tabs, sign-in helpers)
 * against a real Sesame (test/sesame-server.ts). Node stands in for the browser: `browser()` keeps
 * the refresh cookie like a browser's jar for Sesame's origin, records what is sent, and can drop
 * the network (offline) or slow the refresh down; two clients on one jar and one channel are two
 * tabs. Web Locks, which Node lacks, are a small stand-in with the browser's queueing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthError } from '../src/browser/auth-error.js';
import { createAuthClient, type AuthClient, type AuthClientOptions } from '../src/browser/create-auth-client.js';
import type { RefreshLockManager } from '../src/browser/refresh-lock.js';
import type { User } from '../src/browser/types.js';
import { startTestSesame, type TestSesame } from './sesame-server.js';

let sesame: TestSesame;
beforeAll(async () => {
  sesame = await startTestSesame({ REAUTH_WINDOW: '600' });
});
afterAll(() => sesame.close());

let seq = 0;
const newEmail = () => `client-${++seq}-${Math.random().toString(36).slice(2, 8)}@example.com`;

/** A browser's view of the network to Sesame: its cookie jar, the calls it made, and switches. */
function browser() {
  const state = {
    cookie: null as string | null,
    offline: false,
    refreshDelayMs: 0,
    calls: [] as { call: string; authorization: string | null }[],
  };
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    state.calls.push({
      call: `${request.method} ${url.pathname}`,
      authorization: request.headers.get('Authorization'),
    });
    if (state.offline) throw new TypeError('Failed to fetch');
    if (url.pathname === '/auth/refresh' && state.refreshDelayMs)
      await new Promise((r) => setTimeout(r, state.refreshDelayMs));
    const headers = new Headers(request.headers);
    if (state.cookie && url.origin === sesame.origin) headers.set('Cookie', `__Host-sesame_refresh=${state.cookie}`);
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
    const response = await globalThis.fetch(url, { method: request.method, headers, body });
    for (const line of response.headers.getSetCookie()) {
      const match = /^__Host-sesame_refresh=([^;]*)/.exec(line);
      if (match) state.cookie = match[1] || null;
    }
    return response;
  };
  const count = (call: string) => state.calls.filter((c) => c.call === call).length;
  return { state, fetch, refreshCalls: () => count('POST /auth/refresh'), count };
}

/** A browser holding the refresh cookie of a fresh email sign-in of `email`. */
async function signedInBrowser(email = newEmail()) {
  const b = browser();
  const { cookie, user } = await sesame.signIn(email);
  b.state.cookie = cookie;
  return { ...b, user: { id: user.id, email, emailVerified: true } as User, email };
}

const clients: AuthClient[] = [];
let channelSeq = 0;
function client(options: AuthClientOptions): AuthClient {
  const created = createAuthClient({
    baseUrl: sesame.origin,
    locks: null,
    channelName: `test-${channelSeq}`,
    ...options,
  });
  clients.push(created);
  return created;
}
afterEach(() => {
  for (const created of clients.splice(0)) created.close();
  channelSeq += 1;
});

/** A Web Locks stand-in that grants the lock on a later task, like a browser does across tabs. */
function fakeLocks(): RefreshLockManager & { held: number } {
  let queue: Promise<unknown> = Promise.resolve();
  const locks = {
    held: 0,
    request(_name: string, _options: { signal?: AbortSignal }, callback: () => Promise<unknown>) {
      const run = queue.then(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        locks.held += 1;
        try {
          return await callback();
        } finally {
          locks.held -= 1;
        }
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
  return locks;
}

describe('restore', () => {
  it('signs in from the refresh cookie and reports the user', async () => {
    const b = await signedInBrowser();
    const onSessionChange = vi.fn();
    const auth = client({ fetch: b.fetch, onSessionChange });
    await expect(auth.restore()).resolves.toEqual(b.user);
    expect(onSessionChange).toHaveBeenCalledWith(b.user);
    expect(auth.getUser()).toEqual(b.user);
  });

  it('treats a 401 from refresh as signed out for good and says so', async () => {
    const b = browser();
    const onSessionChange = vi.fn();
    const auth = client({ fetch: b.fetch, onSessionChange });
    await expect(auth.restore()).resolves.toBeNull();
    expect(onSessionChange).toHaveBeenCalledExactlyOnceWith(null);
    // Known to be signed out: later calls do not keep knocking on /auth/refresh.
    await expect(auth.me()).rejects.toMatchObject({ status: 401 });
    expect(b.refreshCalls()).toBe(1);
  });

  it('does not sign out on a network error', async () => {
    const b = await signedInBrowser();
    b.state.offline = true;
    const onSessionChange = vi.fn();
    const auth = client({ fetch: b.fetch, onSessionChange });
    const error = await auth.restore().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
    expect(onSessionChange).not.toHaveBeenCalled();
    b.state.offline = false;
    await expect(auth.restore()).resolves.toEqual(b.user);
  });
});

describe('fetch', () => {
  it('sends the access token as a Bearer', async () => {
    const b = await signedInBrowser();
    const auth = client({ fetch: b.fetch });
    await auth.restore();
    await expect(auth.me()).resolves.toMatchObject({ email: b.email });
    expect(b.state.calls.find((c) => c.call === 'GET /api/me')?.authorization).toMatch(/^Bearer eyJ/);
  });

  it('refreshes ahead of expiry once for every caller waiting at that moment', async () => {
    let clock = Date.now();
    const b = await signedInBrowser();
    b.state.refreshDelayMs = 20;
    const auth = client({ fetch: b.fetch, now: () => clock });
    await auth.restore();
    clock += 900_000 - 60_000; // 60 s left of 900: under 20 %
    await Promise.all([auth.me(), auth.me(), auth.me()]);
    expect(b.refreshCalls()).toBe(2); // restore + one renewal
  });

  it('refreshes once after a 401 and retries once', async () => {
    const b = await signedInBrowser();
    const auth = client({ fetch: b.fetch });
    await auth.restore();
    // Sixteen minutes later for the server: the token this client holds has expired there.
    sesame.advanceClock(16 * 60_000);
    await expect(auth.me()).resolves.toMatchObject({ id: b.user.id });
    expect(b.refreshCalls()).toBe(2);
    expect(b.count('GET /api/me')).toBe(2);
  });

  it('does not refresh when the API asks for a fresh sign-in', async () => {
    const b = await signedInBrowser();
    const auth = client({ fetch: b.fetch });
    await auth.restore();
    // Eleven minutes later: the token is still good, the sign-in too old for a passkey change.
    sesame.advanceClock(11 * 60_000);
    await expect(auth.deletePasskey('A'.repeat(22))).rejects.toMatchObject({ status: 401, code: 'REAUTH_REQUIRED' });
    expect(b.refreshCalls()).toBe(1);
  });

  it('signs out when the refresh after a 401 is refused too', async () => {
    const b = await signedInBrowser();
    const onSessionChange = vi.fn();
    const auth = client({ fetch: b.fetch, onSessionChange });
    await auth.restore();
    // Signed out elsewhere: the session is revoked, so its token and its cookie are both refused.
    const logout = await fetch(`${sesame.origin}/auth/logout`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: `__Host-sesame_refresh=${b.state.cookie}` },
      body: '{}',
    });
    expect(logout.status).toBe(204);
    await expect(auth.me()).rejects.toMatchObject({ status: 401 });
    expect(onSessionChange).toHaveBeenLastCalledWith(null);
    expect(auth.getUser()).toBeNull();
  });
});

describe('several tabs', () => {
  it('shares a refreshed token so the other tab skips its own refresh', async () => {
    const b = await signedInBrowser();
    const tabA = client({ fetch: b.fetch });
    const tabB = client({ fetch: b.fetch, onSessionChange: vi.fn() });
    await tabA.restore();
    await vi.waitFor(() => expect(tabB.getUser()).toEqual(b.user));
    await tabB.me();
    expect(b.refreshCalls()).toBe(1);
  });

  it('lets one tab refresh while the other waits for the lock and takes the shared token', async () => {
    const b = await signedInBrowser();
    b.state.refreshDelayMs = 10;
    const locks = fakeLocks();
    const tabA = client({ fetch: b.fetch, locks });
    const tabB = client({ fetch: b.fetch, locks });
    const [userA, userB] = await Promise.all([tabA.restore(), tabB.restore()]);
    expect(userA).toEqual(b.user);
    expect(userB).toEqual(b.user);
    expect(b.refreshCalls()).toBe(1);
  });

  it('refreshes without the lock when it is not granted in time', async () => {
    const b = await signedInBrowser();
    const stuck: RefreshLockManager = {
      request: (_name, { signal }) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
    };
    const auth = client({ fetch: b.fetch, locks: stuck, lockTimeoutMs: 20 });
    await expect(auth.restore()).resolves.toEqual(b.user);
  });

  it('signs every tab out on logout', async () => {
    const b = await signedInBrowser();
    const tabA = client({ fetch: b.fetch });
    const onSessionChangeB = vi.fn();
    const tabB = client({ fetch: b.fetch, onSessionChange: onSessionChangeB });
    await tabA.restore();
    await vi.waitFor(() => expect(tabB.getUser()).toEqual(b.user));
    await tabA.logout();
    await vi.waitFor(() => expect(onSessionChangeB).toHaveBeenLastCalledWith(null));
    expect(tabB.getUser()).toBeNull();
    expect(b.state.cookie).toBeNull();
  });
});

describe('sign-in helpers', () => {
  it('keeps the token of an email sign-in in memory and reports the user', async () => {
    const b = browser(); // a browser that is not signed in yet
    const email = newEmail();
    const onSessionChange = vi.fn();
    const auth = client({ fetch: b.fetch, onSessionChange });
    await auth.startEmail(email);
    const result = await auth.verifyEmailToken((await sesame.lastMail(email)).token);
    expect(result).toMatchObject({ created: true, user: { email, emailVerified: true } });
    expect(onSessionChange).toHaveBeenLastCalledWith(result.user);
    const refreshesBefore = b.refreshCalls();
    await auth.me();
    expect(b.refreshCalls()).toBe(refreshesBefore);
  });

  it('proves an address with the Bearer when signed in', async () => {
    const b = await signedInBrowser();
    const auth = client({ fetch: b.fetch });
    await auth.restore();
    await auth.startEmail(b.email);
    await expect(auth.verifyEmailToken((await sesame.lastMail(b.email)).token)).resolves.toMatchObject({
      created: false,
      user: b.user,
    });
    expect(b.state.calls.filter((c) => c.call === 'POST /auth/email/verify').map((c) => c.authorization)).toEqual([
      expect.stringMatching(/^Bearer eyJ/),
    ]);
  });

  it('proves an address without a Bearer when signed out', async () => {
    const b = browser();
    const email = newEmail();
    const auth = client({ fetch: b.fetch });
    await auth.restore();
    await auth.startEmail(email);
    await auth.verifyEmailCode(email, (await sesame.lastMail(email)).code);
    expect(b.state.calls.filter((c) => c.call === 'POST /auth/email/verify').map((c) => c.authorization)).toEqual([
      null,
    ]);
  });

  it('sends a wrong code once, not again after a refresh', async () => {
    const b = await signedInBrowser();
    const auth = client({ fetch: b.fetch });
    await auth.restore();
    await auth.startEmail(b.email);
    const right = Number((await sesame.lastMail(b.email)).code);
    const wrong = String((right + 1) % 1_000_000).padStart(6, '0');
    await expect(auth.verifyEmailCode(b.email, wrong)).rejects.toMatchObject({ status: 401, code: 'INVALID_CODE' });
    expect(b.count('POST /auth/email/verify')).toBe(1);
    expect(b.refreshCalls()).toBe(1);
  });

  it('turns the API error body into an AuthError, with Retry-After', async () => {
    const strict = await startTestSesame({ RATE_LIMIT_EMAILS_PER_HOUR: '1' });
    try {
      const auth = client({ baseUrl: strict.origin, fetch: browser().fetch });
      await auth.startEmail('ada@example.com');
      const error = (await auth.startEmail('ada@example.com').catch((e: unknown) => e)) as AuthError;
      expect(error).toBeInstanceOf(AuthError);
      expect(error).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      expect(error.message).toMatch(/Too many messages/);
      expect(error.retryAfter).toBeGreaterThan(0);
      await expect(auth.startEmail('not an address')).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    } finally {
      await strict.close();
    }
  });

  it('answers null for a link the server does not know', async () => {
    const auth = client({ fetch: browser().fetch });
    await expect(auth.emailLinkInfo('A'.repeat(43))).resolves.toBeNull();
  });
});
