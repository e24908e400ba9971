/**
 * createAuthClient against a real Sesame (test/sesame-server.ts). Node stands in for the browser:
 * `browserFetch` keeps the refresh cookie the way a browser would for Sesame's origin, and two
 * clients sharing it are two tabs. Passkey ceremonies need a real browser: test/e2e covers them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthClient, isAuthError, type AuthClient, type User } from '../src/browser/index.js';
import { createVerifier } from '../src/server/index.js';
import { startTestSesame, type TestSesame } from './sesame-server.js';

let sesame: TestSesame;
beforeAll(async () => {
  sesame = await startTestSesame({ APP_ORIGINS: 'http://localhost:5173' });
});
afterAll(() => sesame.close());

/** A browser's cookie jar for Sesame's origin, holding the HttpOnly refresh cookie. */
function browserFetch(origin: string) {
  const jar = { cookie: null as string | null, refreshes: 0 };
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const headers = new Headers(request.headers);
    const url = new URL(request.url);
    if (jar.cookie && url.origin === origin && request.credentials !== 'omit')
      headers.set('Cookie', `__Host-sesame_refresh=${jar.cookie}`);
    if (url.pathname === '/auth/refresh') jar.refreshes += 1;
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
    const response = await fetch(url, { method: request.method, headers, body, signal: request.signal });
    for (const line of response.headers.getSetCookie()) {
      const match = /^__Host-sesame_refresh=([^;]*)/.exec(line);
      if (match) jar.cookie = match[1] || null;
    }
    return response;
  };
  return { jar, fetch: fetchImpl };
}

function newClient(
  browser: ReturnType<typeof browserFetch>,
  options: { now?: () => number; events?: (User | null)[] } = {},
): AuthClient {
  return createAuthClient({
    baseUrl: sesame.origin,
    fetch: browser.fetch,
    locks: null,
    channelName: `test-${Math.random()}`,
    ...(options.now ? { now: options.now } : {}),
    onSessionChange: (user) => options.events?.push(user),
  });
}

describe('createAuthClient on a real Sesame', () => {
  it('signs in by emailed link, carries returnTo back, and calls the API with the token', async () => {
    const browser = browserFetch(sesame.origin);
    const events: (User | null)[] = [];
    const auth = newClient(browser, { events });
    expect(await auth.restore()).toBeNull();
    await auth.startEmail('ada@example.com', { returnTo: 'http://localhost:5173/notes' });
    const { token } = await sesame.lastMail('ada@example.com');
    expect(await auth.emailLinkInfo(token)).toMatchObject({ email: 'ada@example.com' });
    const result = await auth.verifyEmailToken(token);
    expect(result).toMatchObject({
      created: true,
      returnTo: 'http://localhost:5173/notes',
      user: { email: 'ada@example.com', emailVerified: true },
    });
    expect(events).toEqual([null, result.user]);

    const me = await auth.fetch('/api/me');
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email: 'ada@example.com' });
    // The token is one an app's API accepts through the package's server side.
    const verified = await createVerifier({ issuer: sesame.origin, audience: sesame.origin }).verify(
      (await auth.getAccessToken())!,
    );
    expect(verified).toMatchObject({
      userId: result.user.id,
      email: 'ada@example.com',
      emailVerified: true,
      amr: ['otp'],
    });
    auth.close();
  });

  it('signs in by code, with no returnTo when none was given', async () => {
    const auth = newClient(browserFetch(sesame.origin));
    await auth.startEmail('bo@example.com');
    const { code } = await sesame.lastMail('bo@example.com');
    const result = await auth.verifyEmailCode('bo@example.com', code);
    expect(result.user.email).toBe('bo@example.com');
    expect(result).not.toHaveProperty('returnTo');
    auth.close();
  });

  it('refuses a returnTo outside PUBLIC_URL and APP_ORIGINS with an AuthError naming it', async () => {
    const auth = newClient(browserFetch(sesame.origin));
    const error = await auth
      .startEmail('cy@example.com', { returnTo: 'https://evil.example/' })
      .catch((e: unknown) => e);
    expect(isAuthError(error, 'INVALID_REQUEST')).toBe(true);
    expect((error as Error).message).toMatch(/^returnTo/);
    auth.close();
  });

  it('renews the token silently once it is due, and a second tab restores the same session from the cookie', async () => {
    const browser = browserFetch(sesame.origin);
    let clock = Date.now();
    const auth = newClient(browser, { now: () => clock });
    await auth.startEmail('di@example.com');
    await auth.verifyEmailToken((await sesame.lastMail('di@example.com')).token);
    const first = await auth.getAccessToken();
    const refreshesBefore = browser.jar.refreshes;
    expect(await auth.getAccessToken()).toBe(first);
    expect(browser.jar.refreshes).toBe(refreshesBefore);
    // 14 of the 15 minutes later the token is due for renewal: one refresh, a new token.
    clock += 14 * 60_000;
    const second = await auth.getAccessToken();
    expect(browser.jar.refreshes).toBe(refreshesBefore + 1);
    expect(second).not.toBe(first);
    expect((await auth.fetch('/api/me')).status).toBe(200);

    const otherTab = newClient(browser);
    expect((await otherTab.restore())?.email).toBe('di@example.com');
    auth.close();
    otherTab.close();
  });

  it('signs out: the event fires, and the cookie no longer restores a session', async () => {
    const browser = browserFetch(sesame.origin);
    const events: (User | null)[] = [];
    const auth = newClient(browser, { events });
    await auth.startEmail('ed@example.com');
    await auth.verifyEmailToken((await sesame.lastMail('ed@example.com')).token);
    const token = await auth.getAccessToken();
    await auth.logout();
    expect(events.at(-1)).toBeNull();
    expect(await auth.getAccessToken()).toBeNull();
    // Sesame revoked the session at once: its own endpoints refuse the old token.
    expect((await fetch(`${sesame.origin}/api/me`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(
      401,
    );
    const again = newClient(browser);
    expect(await again.restore()).toBeNull();
    auth.close();
    again.close();
  });

  it('changes the address: the new one proved by code, the session renewed with the new email; activity; deletion signs out', async () => {
    const browser = browserFetch(sesame.origin);
    const events: (User | null)[] = [];
    const auth = newClient(browser, { events });
    await auth.startEmail('fay@example.com');
    const { user } = await auth.verifyEmailToken((await sesame.lastMail('fay@example.com')).token);
    await auth.changeEmail('fay.new@example.com');
    // The link and code go out after the answer: wait for them.
    await expect
      .poll(() =>
        sesame.lastMail('fay.new@example.com').then(
          () => true,
          () => false,
        ),
      )
      .toBe(true);
    const changed = await auth.verifyEmailChange({
      email: 'fay.new@example.com',
      code: (await sesame.lastMail('fay.new@example.com')).code,
    });
    expect(changed).toEqual({ id: user.id, email: 'fay.new@example.com', emailVerified: true });
    // This browser's session now says the new address, and its listeners heard it.
    expect(auth.getUser()?.email).toBe('fay.new@example.com');
    expect(events.at(-1)?.email).toBe('fay.new@example.com');
    const verified = await createVerifier({ issuer: sesame.origin, audience: sesame.origin }).verify(
      (await auth.getAccessToken())!,
    );
    expect(verified.email).toBe('fay.new@example.com');
    expect((await auth.activity()).map((e) => e.type)).toEqual(expect.arrayContaining(['email_changed', 'sign_in']));
    const sessions = await auth.listSessions();
    expect(sessions.map((s) => s.method)).toEqual(['email']);
    const list = await auth.passkeyList();
    expect(list).toMatchObject({ passkeys: [], userHandle: Buffer.from(user.id).toString('base64url') });

    await auth.deleteAccount();
    expect(events.at(-1)).toBeNull();
    expect(await newClient(browser).restore()).toBeNull();
    auth.close();
  });
});
