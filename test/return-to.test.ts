/**
 * `returnTo` (API.md, "Applications"): accepted only as an absolute http(s) URL on PUBLIC_URL or an
 * APP_ORIGINS origin, kept with the emailed token, and carried by the verify's session response,
 * including when the link or code is used on another device. Everything else is a 400 naming
 * `returnTo`, logged, with nothing stored or sent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/harness.js';

const APP = 'https://app.localhost';
const DEV_APP = 'http://localhost:5173';

let h: Harness;
beforeEach(async () => {
  h = await createHarness({ env: { APP_ORIGINS: `${APP},${DEV_APP}` } });
});
afterEach(() => h.close());

interface Message {
  to: string;
  text: string;
}
async function lastMessage(to: string): Promise<{ token: string; code: string }> {
  const { messages } = (await (await h.request('/dev/outbox')).json()) as { messages: Message[] };
  const text = messages.find((m) => m.to === to)!.text;
  return { token: /token=([A-Za-z0-9_-]+)/.exec(text)![1]!, code: /\b(\d{6})\b/.exec(text)![1]! };
}
const count = async (table: string, where = '1') =>
  Number((await h.all(`SELECT count(*) AS n FROM ${table} WHERE ${where}`))[0]!.n);

/** Hostile or merely wrong targets; each must be refused. PUBLIC_URL is http://localhost:3000. */
const HOSTILE: [string, string][] = [
  ['empty', ''],
  ['relative path', '/notes'],
  ['protocol-relative', '//evil.example'],
  ['protocol-relative to the app', '//app.localhost/notes'],
  ['slash backslash', '/\\evil.example'],
  ['double backslash', '\\\\evil.example'],
  ['backslash before userinfo', 'https://app.localhost\\@evil.example'],
  ['scheme without slashes (evil)', 'https:evil.example'],
  ['scheme without slashes (the app, which the URL parser would accept)', 'https:app.localhost/notes'],
  ['scheme with one slash', 'https:/app.localhost/notes'],
  ['userinfo hiding evil', 'https://app.localhost@evil.example/'],
  ['userinfo with port hiding evil', 'https://app.localhost:443@evil.example/'],
  ['userinfo on our own host', 'https://evil.example@app.localhost/'],
  ['javascript:', 'javascript:alert(1)'],
  ['JavaScript: mixed case', 'JaVaScRiPt:alert(document.domain)'],
  ['data: URL', 'data:text/html,<script>alert(1)</script>'],
  ['blob: URL of the app', `blob:${APP}/6a1f8c1e-0000-4000-8000-000000000000`],
  ['file: URL', 'file:///etc/passwd'],
  ['ftp: URL', 'ftp://app.localhost/'],
  ['upper-case scheme and host', 'HTTPS://APP.LOCALHOST/notes'],
  ['mixed-case host', 'https://App.Localhost/notes'],
  ['IDNA look-alike (Cyrillic a)', 'https://\u0430pp.localhost/'],
  ['IDNA look-alike in punycode', 'https://xn--pp-7ka.localhost/'],
  ['full-width dot', 'https://app\uff0elocalhost/'],
  ['full-width letters in the scheme', '\uff48ttps://app.localhost/'],
  ['encoded slash before userinfo', 'https://app.localhost%2F@evil.example/'],
  ['encoded slash in the host', 'https://app.localhost%2fevil.example/'],
  ['encoded scheme', 'https%3A%2F%2Fevil.example'],
  ['percent-encoded scheme letter', '%68ttps://app.localhost/'],
  ['explicit default port', 'https://app.localhost:443/notes'],
  ['another port of the app', 'https://app.localhost:8443/'],
  ['another scheme of the app', 'http://app.localhost/'],
  ['another port of PUBLIC_URL', 'http://localhost:3001/account'],
  ['PUBLIC_URL by address instead of name', 'http://127.0.0.1:3000/account'],
  ['trailing dot', 'https://app.localhost./'],
  ['evil suffix', 'https://app.localhost.evil.example/'],
  ['our host as a subdomain of evil', 'http://localhost:3000.evil.example/'],
  ['unlisted sibling on RP_ID', 'https://evil.localhost/'],
  ['our URL in the query of evil', `https://evil.example/?next=${APP}/`],
  ['leading space', ` ${APP}/`],
  ['trailing newline', `${APP}/\n`],
  ['tab inside the scheme', `ht\ttps://app.localhost/`],
  ['NUL', `${APP}/\u0000`],
  ['line separator', `${APP}/\u2028`],
  ['non-ASCII path left unencoded', `${APP}/caf\u00e9`],
  ['over 2,048 characters', `${APP}/${'a'.repeat(2048)}`],
];

describe('returnTo refusals', () => {
  it(`has a table of at least 30 hostile values`, () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(30);
  });

  it.each(HOSTILE)(
    'POST /auth/email/start refuses %s with 400 naming returnTo, storing and sending nothing',
    async (_label, returnTo) => {
      const before = {
        tokens: await count('email_tokens'),
        mail: await count('mail_queue'),
        limits: await count('rate_limits', "key LIKE 'email:%'"),
      };
      const res = await h.request('/auth/email/start', { body: { email: 'ada@example.com', returnTo } });
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.message).toMatch(/^returnTo /);
      expect(res.headers.get('location')).toBeNull();
      // Refused before the address was counted: no token, no mail, no mail-limit hit.
      expect({
        tokens: await count('email_tokens'),
        mail: await count('mail_queue'),
        limits: await count('rate_limits', "key LIKE 'email:%'"),
      }).toEqual(before);
      expect(h.logs.some((l) => l.level === 'warn' && l.msg === 'returnTo refused')).toBe(true);
    },
  );

  it.each(HOSTILE)('GET /auth/return-to refuses %s with 400 naming returnTo', async (_label, returnTo) => {
    const res = await h.request(`/auth/return-to?${new URLSearchParams({ returnTo })}`);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^returnTo/) });
  });

  it.each([42, null, [], {}, true])(
    'POST /auth/email/start refuses a returnTo of type %j, naming it',
    async (returnTo) => {
      const res = await h.request('/auth/email/start', { body: { email: 'ada@example.com', returnTo } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^returnTo/);
    },
  );
});

describe('returnTo accepted', () => {
  it.each([
    [APP, `${APP}/`],
    [`${APP}/`, `${APP}/`],
    [`${APP}/notes?tab=all#top`, `${APP}/notes?tab=all#top`],
    [`${APP}?x=1`, `${APP}/?x=1`],
    [`${DEV_APP}/a/b`, `${DEV_APP}/a/b`],
    ['http://localhost:3000/account', 'http://localhost:3000/account'],
    [`${APP}/caf%C3%A9`, `${APP}/caf%C3%A9`],
  ])('%s on a listed origin (followed as %s)', async (returnTo, followed) => {
    const check = await h.request(`/auth/return-to?${new URLSearchParams({ returnTo })}`);
    expect(check.status).toBe(200);
    expect(await check.json()).toEqual({ returnTo: followed });

    expect((await h.request('/auth/email/start', { body: { email: 'ada@example.com', returnTo } })).status).toBe(202);
    const [row] = await h.all('SELECT return_to FROM email_tokens WHERE consumed_at IS NULL');
    expect(row!.return_to).toBe(followed);
  });
});

describe('returnTo kept with the emailed token', () => {
  it('comes back in the session response of a link opened on another device', async () => {
    const start = await h.request('/auth/email/start', {
      body: { email: 'ada@example.com', returnTo: `${APP}/notes` },
      ip: '203.0.113.7',
    });
    expect(start.status).toBe(202);
    const { token } = await lastMessage('ada@example.com');
    // Another device: another address and user agent, no cookie, no Bearer, nothing but the link.
    const res = await h.request('/auth/email/verify', {
      body: { token },
      ip: '198.51.100.9',
      headers: { 'user-agent': 'Phone' },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { accessToken: string; returnTo?: string; user: { email: string } };
    expect(body.user.email).toBe('ada@example.com');
    expect(body.returnTo).toBe(`${APP}/notes`);
  });

  it('comes back in the session response of the code', async () => {
    await h.request('/auth/email/start', { body: { email: 'bo@example.com', returnTo: `${DEV_APP}/after` } });
    const { code } = await lastMessage('bo@example.com');
    const res = await h.request('/auth/email/verify', { body: { email: 'bo@example.com', code } });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { returnTo?: string }).returnTo).toBe(`${DEV_APP}/after`);
  });

  it('is absent when none was given, and a newer request without one replaces an older one with it', async () => {
    await h.request('/auth/email/start', { body: { email: 'cy@example.com', returnTo: `${APP}/first` } });
    await h.request('/auth/email/start', { body: { email: 'cy@example.com' } });
    const { token } = await lastMessage('cy@example.com');
    const res = await h.request('/auth/email/verify', { body: { token } });
    expect(res.status).toBe(201);
    expect(await res.json()).not.toHaveProperty('returnTo');
  });

  it('is dropped when its origin left APP_ORIGINS before the link was used (same database, new settings)', async () => {
    await h.request('/auth/email/start', { body: { email: 'di@example.com', returnTo: `${APP}/x` } });
    const { token } = await lastMessage('di@example.com');
    const restarted = await createHarness({ env: { DATABASE_PATH: `${h.dir}/sesame.db`, APP_ORIGINS: DEV_APP } });
    try {
      const res = await restarted.request('/auth/email/verify', { body: { token } });
      expect(res.status).toBe(201);
      expect(await res.json()).not.toHaveProperty('returnTo');
    } finally {
      restarted.sqlite.close();
    }
  });
});
