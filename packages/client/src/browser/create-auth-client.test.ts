import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthError } from './auth-error.js';
import { createAuthClient, type AuthClient, type AuthClientOptions } from './create-auth-client.js';
import type { RefreshLockManager } from './refresh-lock.js';
import type { User } from './types.js';

const BASE = 'http://sesame.test';
const USER: User = { id: 'u1', email: 'ada@example.com', emailVerified: true };

/** A stand-in for the Sesame API: one cookie jar shared by every "tab", tokens it accepts. */
function fakeSesame({ expiresIn = 900, refreshDelayMs = 0 } = {}) {
  const server = {
    cookieAlive: true,
    expiresIn,
    refreshDelayMs,
    issued: 0,
    accepted: new Set<string>(),
    calls: [] as string[],
    reauthRequired: false,
    offline: false,
    verifyAuthorization: [] as Array<string | null>,
  };
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  const fail = (status: number, code: string) => json(status, { error: { code, message: code } });

  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const { pathname } = new URL(request.url);
    server.calls.push(`${request.method} ${pathname}`);
    if (server.offline) throw new TypeError('Failed to fetch');
    if (pathname === '/auth/email/verify') {
      server.verifyAuthorization.push(request.headers.get('Authorization'));
      const body = (await request.clone().json()) as { code?: string };
      if (body.code === '000000') return fail(401, 'INVALID_CODE');
    }
    if (pathname === '/auth/refresh' || pathname === '/auth/email/verify') {
      if (server.refreshDelayMs) await new Promise((resolve) => setTimeout(resolve, server.refreshDelayMs));
      if (pathname === '/auth/refresh' && !server.cookieAlive) return fail(401, 'UNAUTHORIZED');
      server.cookieAlive = true;
      const accessToken = `at-${++server.issued}`;
      server.accepted.add(accessToken);
      return json(200, { accessToken, tokenType: 'Bearer', expiresIn: server.expiresIn, user: USER });
    }
    if (pathname === '/auth/logout') {
      server.cookieAlive = false;
      return new Response(null, { status: 204 });
    }
    const token = request.headers.get('Authorization')?.replace(/^Bearer /, '');
    if (!token || !server.accepted.has(token)) return fail(401, 'UNAUTHORIZED');
    if (server.reauthRequired) return fail(401, 'REAUTH_REQUIRED');
    if (pathname === '/api/me') return json(200, { ...USER, createdAt: '2025-01-01T00:00:00.000Z' });
    if (pathname === '/auth/passkeys/x' && request.method === 'DELETE') return new Response(null, { status: 204 });
    return fail(404, 'NOT_FOUND');
  };
  return { server, fetch, refreshCalls: () => server.calls.filter((call) => call === 'POST /auth/refresh').length };
}

const clients: AuthClient[] = [];
let channelSeq = 0;
function client(options: AuthClientOptions): AuthClient {
  const created = createAuthClient({ baseUrl: BASE, locks: null, channelName: `test-${channelSeq}`, ...options });
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
    const api = fakeSesame();
    const onSessionChange = vi.fn();
    const auth = client({ fetch: api.fetch, onSessionChange });
    await expect(auth.restore()).resolves.toEqual(USER);
    expect(onSessionChange).toHaveBeenCalledWith(USER);
    expect(auth.getUser()).toEqual(USER);
  });

  it('treats a 401 from refresh as signed out for good and says so', async () => {
    const api = fakeSesame();
    api.server.cookieAlive = false;
    const onSessionChange = vi.fn();
    const auth = client({ fetch: api.fetch, onSessionChange });
    await expect(auth.restore()).resolves.toBeNull();
    expect(onSessionChange).toHaveBeenCalledExactlyOnceWith(null);
    // Known to be signed out: later calls do not keep knocking on /auth/refresh.
    await expect(auth.me()).rejects.toMatchObject({ status: 401 });
    expect(api.refreshCalls()).toBe(1);
  });

  it('does not sign out on a network error', async () => {
    const api = fakeSesame();
    api.server.offline = true;
    const onSessionChange = vi.fn();
    const auth = client({ fetch: api.fetch, onSessionChange });
    const error = await auth.restore().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
    expect(onSessionChange).not.toHaveBeenCalled();
    api.server.offline = false;
    await expect(auth.restore()).resolves.toEqual(USER);
  });
});

describe('fetch', () => {
  it('sends the access token as a Bearer', async () => {
    const api = fakeSesame();
    const auth = client({ fetch: api.fetch });
    await auth.restore();
    await expect(auth.me()).resolves.toMatchObject({ email: USER.email });
  });

  it('refreshes ahead of expiry once for every caller waiting at that moment', async () => {
    let clock = 1_000_000;
    const api = fakeSesame({ refreshDelayMs: 5 });
    const auth = client({ fetch: api.fetch, now: () => clock });
    await auth.restore();
    clock += 900_000 - 60_000; // 60 s left of 900: under 20 %
    await Promise.all([auth.me(), auth.me(), auth.me()]);
    expect(api.refreshCalls()).toBe(2); // restore + one renewal
  });

  it('refreshes once after a 401 and retries once', async () => {
    const api = fakeSesame();
    const auth = client({ fetch: api.fetch });
    await auth.restore();
    api.server.accepted.clear(); // the server no longer takes the token it issued
    await expect(auth.me()).resolves.toMatchObject({ id: USER.id });
    expect(api.refreshCalls()).toBe(2);
    expect(api.server.calls.filter((call) => call === 'GET /api/me')).toHaveLength(2);
  });

  it('does not refresh when the API asks for a fresh sign-in', async () => {
    const api = fakeSesame();
    const auth = client({ fetch: api.fetch });
    await auth.restore();
    api.server.reauthRequired = true;
    await expect(auth.deletePasskey('x')).rejects.toMatchObject({ status: 401, code: 'REAUTH_REQUIRED' });
    expect(api.refreshCalls()).toBe(1);
  });

  it('signs out when the refresh after a 401 is refused too', async () => {
    const api = fakeSesame();
    const onSessionChange = vi.fn();
    const auth = client({ fetch: api.fetch, onSessionChange });
    await auth.restore();
    api.server.accepted.clear();
    api.server.cookieAlive = false;
    await expect(auth.me()).rejects.toMatchObject({ status: 401 });
    expect(onSessionChange).toHaveBeenLastCalledWith(null);
    expect(auth.getUser()).toBeNull();
  });
});

describe('several tabs', () => {
  it('shares a refreshed token so the other tab skips its own refresh', async () => {
    const api = fakeSesame();
    const tabA = client({ fetch: api.fetch });
    const tabB = client({ fetch: api.fetch, onSessionChange: vi.fn() });
    await tabA.restore();
    await vi.waitFor(() => expect(tabB.getUser()).toEqual(USER));
    await tabB.me();
    expect(api.refreshCalls()).toBe(1);
  });

  it('lets one tab refresh while the other waits for the lock and takes the shared token', async () => {
    const api = fakeSesame({ refreshDelayMs: 10 });
    const locks = fakeLocks();
    const tabA = client({ fetch: api.fetch, locks });
    const tabB = client({ fetch: api.fetch, locks });
    const [userA, userB] = await Promise.all([tabA.restore(), tabB.restore()]);
    expect(userA).toEqual(USER);
    expect(userB).toEqual(USER);
    expect(api.refreshCalls()).toBe(1);
  });

  it('refreshes without the lock when it is not granted in time', async () => {
    const api = fakeSesame();
    const stuck: RefreshLockManager = {
      request: (_name, { signal }) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
    };
    const auth = client({ fetch: api.fetch, locks: stuck, lockTimeoutMs: 20 });
    await expect(auth.restore()).resolves.toEqual(USER);
  });

  it('signs every tab out on logout', async () => {
    const api = fakeSesame();
    const tabA = client({ fetch: api.fetch });
    const onSessionChangeB = vi.fn();
    const tabB = client({ fetch: api.fetch, onSessionChange: onSessionChangeB });
    await tabA.restore();
    await vi.waitFor(() => expect(tabB.getUser()).toEqual(USER));
    await tabA.logout();
    await vi.waitFor(() => expect(onSessionChangeB).toHaveBeenLastCalledWith(null));
    expect(tabB.getUser()).toBeNull();
  });
});

describe('sign-in helpers', () => {
  it('keeps the token of an email sign-in in memory and reports the user', async () => {
    const api = fakeSesame();
    const onSessionChange = vi.fn();
    const auth = client({ fetch: api.fetch, onSessionChange });
    api.server.cookieAlive = false; // a browser that is not signed in yet
    await expect(auth.verifyEmailToken('t')).resolves.toEqual({ user: USER, created: false });
    expect(onSessionChange).toHaveBeenLastCalledWith(USER);
    const refreshesBefore = api.refreshCalls();
    await auth.me();
    expect(api.refreshCalls()).toBe(refreshesBefore);
  });

  it('proves an address with the Bearer when signed in, so a confirmation keeps the account', async () => {
    const api = fakeSesame();
    const auth = client({ fetch: api.fetch });
    await auth.restore();
    await auth.verifyEmailToken('confirm-token');
    expect(api.server.verifyAuthorization).toEqual(['Bearer at-1']);
  });

  it('proves an address without a Bearer when signed out', async () => {
    const api = fakeSesame();
    api.server.cookieAlive = false;
    const auth = client({ fetch: api.fetch });
    await auth.restore();
    await auth.verifyEmailCode('ada@example.com', '123456');
    expect(api.server.verifyAuthorization).toEqual([null]);
  });

  it('sends a wrong code once, not again after a refresh', async () => {
    const api = fakeSesame();
    const auth = client({ fetch: api.fetch });
    await auth.restore();
    await expect(auth.verifyEmailCode('ada@example.com', '000000')).rejects.toMatchObject({ status: 401, code: 'INVALID_CODE' });
    expect(api.server.verifyAuthorization).toHaveLength(1);
    expect(api.refreshCalls()).toBe(1);
  });

  it('turns the API error body into an AuthError', async () => {
    const auth = client({
      fetch: async () =>
        new Response(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'Slow down' } }), {
          status: 429,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '120' },
        }),
    });
    await expect(auth.startEmail('ada@example.com')).rejects.toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      message: 'Slow down',
      retryAfter: 120,
    });
  });

  it('answers null for a link the server does not know', async () => {
    const auth = client({ fetch: async () => new Response(null, { status: 404 }) });
    await expect(auth.emailLinkInfo('gone')).resolves.toBeNull();
  });
});
