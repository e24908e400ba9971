/**
 * Sign-in and sign-up by emailed link or code, through HTTP on the real app, with the message
 * delivered over TCP by the SMTP mailer to a local smtp-server and parsed with mailparser.
 */
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { refreshCookieOf } from './helpers/harness.js';
import { createMailHarness, type CapturedMail, type MailHarness } from './helpers/smtp-capture.js';

let m: MailHarness;
beforeEach(async () => {
  m = await createMailHarness({ env: { PUBLIC_URL: 'https://sesame.example.com', MAGIC_LINK_TTL: '600' } });
});
afterEach(() => m.close());

interface SessionBody {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  user: { id: string; email: string; emailVerified: boolean };
}

const rows = <T = Record<string, unknown>>(q: string, ...args: unknown[]) =>
  m.h.sqlite.sqlite.prepare(q).all(...args) as T[];
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

/** Asks for a message and returns it once it has arrived over SMTP. */
async function requestMail(email: string): Promise<CapturedMail> {
  const before = m.smtp!.received.length;
  const res = await m.h.request('/auth/email/start', { body: { email } });
  expect(res.status).toBe(202);
  const received = await m.smtp!.waitFor(before + 1);
  return received[before]!;
}

const verifyToken = (token: string, headers: Record<string, string> = {}) =>
  m.h.request('/auth/email/verify', { body: { token }, headers });
const verifyCode = (email: string, code: string) => m.h.request('/auth/email/verify', { body: { email, code } });

describe('POST /auth/email/start', () => {
  it('answers 202 {"ok": true} and mails one message with a link under PUBLIC_URL and a six-digit code', async () => {
    const res = await m.h.request('/auth/email/start', { body: { email: '  Ada@Example.COM ' } });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ ok: true });
    const [mail] = await m.smtp!.waitFor(1);
    // Delivered to the canonical address, as the one recipient.
    expect(mail!.rcptTo).toEqual(['ada@example.com']);
    expect(mail!.mailFrom).toBe('no-reply@sesame.example');
    expect(mail!.mail.subject).toBe('Sign in to Sesame');
    expect(mail!.link).toMatch(/^https:\/\/sesame\.example\.com\/auth\/email\/verify#token=[A-Za-z0-9_-]{43}$/);
    expect(mail!.code).toMatch(/^\d{6}$/);
    expect(mail!.mail.text).toContain('If this wasn’t you');
    expect(mail!.mail.text).toContain('10 minutes');
    expect(mail!.mail.html).toContain(mail!.link);
    expect(mail!.mail.html).toContain(mail!.code);
    await m.settle();
    expect(rows('SELECT status, text, html FROM mail_queue')).toEqual([{ status: 'sent', text: '', html: '' }]);
  });

  it('stores only hashes of the link token and the code', async () => {
    const mail = await requestMail('hash@example.com');
    await m.settle();
    const dump = JSON.stringify(rows('SELECT * FROM email_tokens')) + JSON.stringify(rows('SELECT * FROM mail_queue'));
    expect(dump).not.toContain(mail.token);
    expect(dump).not.toMatch(new RegExp(`(?<!\\d)${mail.code}(?!\\d)`));
    // Keyed hashes (HMAC under the server's email-token key), not a plain SHA-256 anyone can recompute.
    const [row] = rows<{ token_hash: string; hash_scheme: string }>('SELECT token_hash, hash_scheme FROM email_tokens');
    expect(row!.hash_scheme).toBe('hmac-v1');
    expect(row!.token_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(row!.token_hash).not.toBe(
      Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(mail.token))).toString('base64url'),
    );
  });

  it('refuses a body that is not {"email": string} with 400', async () => {
    for (const body of [
      {},
      [],
      { email: 42 },
      { email: ['a@example.com'] },
      { email: null },
      { email: 'a@example.com', extra: 1 },
    ]) {
      const res = await m.h.request('/auth/email/start', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(res)).code).toBe('INVALID_REQUEST');
    }
    expect(rows('SELECT * FROM email_tokens')).toEqual([]);
  });
});

describe('the emailed link', () => {
  it('GET and HEAD answer 200 with a page, no-referrer and no-store, and never use the token up', async () => {
    const mail = await requestMail('page@example.com');
    const path = new URL(mail.link).pathname + new URL(mail.link).search;
    for (const method of ['GET', 'HEAD', 'GET']) {
      const res = await m.h.request(path, { method });
      expect(res.status, method).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      if (method === 'HEAD') expect(await res.text()).toBe('');
    }
    expect(rows('SELECT consumed_at FROM email_tokens')).toEqual([{ consumed_at: null }]);
    expect((await verifyToken(mail.token)).status).toBe(201);
  });

  it('the server page shows the address, a confirm form and the external script, and no inline script', async () => {
    const mail = await requestMail('page@example.com');
    // The emailed link's fragment never reaches the server: the page is a confirm form its script fills.
    const fromFragment = await (await m.h.request(new URL(mail.link).pathname)).text();
    expect(fromFragment).toContain('<form id="confirm"');
    expect(fromFragment).not.toContain(mail.token);
    // A link of the older form (?token=) shows the address it signs in.
    const html = await (await m.h.request(`/auth/email/verify?token=${mail.token}`)).text();
    expect(html).toContain('<strong>page@example.com</strong>');
    expect(html).toContain('<form id="confirm"');
    expect(html).toContain('<script src="/auth/email/confirm.js" defer></script>');
    expect(html).not.toMatch(/<script>|<script [^s]|\son[a-z]+=|style=/);
    const script = await m.h.request('/auth/email/confirm.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    const js = await script.text();
    expect(js).toContain("fetch('/auth/email/verify'");
    expect(js).toContain("'Content-Type': 'application/json'");
    expect(js).toContain("location.replace('/')");
    expect(js).toContain('location.hash');
  });

  it('the server page says so for a used or missing token, and escapes what it echoes', async () => {
    const mail = await requestMail('used@example.com');
    expect((await verifyToken(mail.token)).status).toBe(201);
    const used = await (await m.h.request(`/auth/email/verify?token=${mail.token}`)).text();
    expect(used).toContain('expired or was already used');
    expect(used).not.toContain('<form');
    const none = await m.h.request('/auth/email/verify');
    expect(none.status).toBe(200);
    expect(await none.text()).toContain('incomplete');
    const hostile = await m.h.request(`/auth/email/verify?token=${encodeURIComponent('"><script>alert(1)</script>')}`);
    expect(hostile.status).toBe(200);
    expect(await hostile.text()).not.toContain('<script>alert');
  });

  it("serves the front end's index.html instead when the app is given one", async () => {
    const front = await createMailHarness({
      appOptions: {
        linkPage: async () =>
          '<!doctype html><html lang="en"><head><title>front end</title></head><body><div id="app"></div></body></html>',
      },
    });
    try {
      const res = await front.h.request('/auth/email/verify?token=whatever', {
        headers: { 'accept-language': 'de-CH, en;q=0.5' },
      });
      expect(res.status).toBe(200);
      const html = await res.text();
      // In the request's language, which the pages start in.
      expect(html).toContain('<html lang="de">');
      expect(html).toContain('<div id="app"></div>');
      // The shell carries the product name (PRODUCT_NAME) and the branding stylesheet.
      expect(html).toContain('<title>Sesame</title>');
      expect(html).toContain('<link rel="stylesheet" href="/branding.css">');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect((await front.h.request('/auth/email/verify', { method: 'HEAD' })).status).toBe(200);
    } finally {
      await front.close();
    }
  });

  it('GET /auth/email/link-info tells the address and expiry of a live link, never using it up', async () => {
    const mail = await requestMail('Info@Example.com');
    for (let i = 0; i < 2; i++) {
      const res = await m.h.request(`/auth/email/link-info?token=${mail.token}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({
        email: 'info@example.com',
        expiresAt: new Date(m.h.now() + 600_000).toISOString(),
        purpose: 'sign_in',
      });
    }
    expect((await verifyToken(mail.token)).status).toBe(201);
    const used = await m.h.request(`/auth/email/link-info?token=${mail.token}`);
    expect(used.status).toBe(401);
    expect((await errorOf(used)).code).toBe('INVALID_LINK');
    expect((await m.h.request(`/auth/email/link-info?token=${'A'.repeat(43)}`)).status).toBe(401);
    expect((await m.h.request('/auth/email/link-info?token=not%20a%20token')).status).toBe(400);
    expect((await m.h.request('/auth/email/link-info')).status).toBe(400);
  });
});

describe('POST /auth/email/verify', () => {
  it('with the link token: signs up a first-time address (201, verified, amr otp) and refuses reuse with 401', async () => {
    const mail = await requestMail('new@example.com');
    const res = await verifyToken(mail.token);
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(refreshCookieOf(res)).toMatch(/^[A-Za-z0-9_-]{22}\.[0-9]+\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{22}$/);
    const body = (await res.json()) as SessionBody;
    expect(body.tokenType).toBe('Bearer');
    expect(body.user).toMatchObject({ email: 'new@example.com', emailVerified: true });
    const claims = decodeJwt(body.accessToken);
    expect(claims.amr).toEqual(['otp']);
    expect(claims.sub).toBe(body.user.id);
    const me = await m.h.request('/api/me', { token: body.accessToken });
    expect(await me.json()).toMatchObject({ id: body.user.id, email: 'new@example.com', emailVerified: true });

    const again = await verifyToken(mail.token);
    expect(again.status).toBe(401);
    expect((await errorOf(again)).code).toBe('INVALID_LINK');
    expect(rows('SELECT method, amr FROM sessions')).toEqual([{ method: 'email', amr: '["otp"]' }]);
  });

  it('signs a known address in to its account (200)', async () => {
    const first = (await (await verifyToken((await requestMail('known@example.com')).token)).json()) as SessionBody;
    const res = await verifyToken((await requestMail('KNOWN@example.com')).token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as SessionBody;
    expect(body.user).toEqual({ id: first.user.id, email: 'known@example.com', emailVerified: true });
    expect(rows('SELECT count(*) AS n FROM users')).toEqual([{ n: 1 }]);
  });

  it('with the address and code: signs in, once', async () => {
    const mail = await requestMail('code@example.com');
    const res = await verifyCode(' Code@Example.com', mail.code);
    expect(res.status).toBe(201);
    expect(decodeJwt(((await res.json()) as SessionBody).accessToken).amr).toEqual(['otp']);
    const again = await verifyCode('code@example.com', mail.code);
    expect(again.status).toBe(401);
    expect((await errorOf(again)).code).toBe('INVALID_CODE');
    // The link of the same message is used up with it.
    expect((await verifyToken(mail.token)).status).toBe(401);
  });

  it('refuses link and code after MAGIC_LINK_TTL', async () => {
    const mail = await requestMail('late@example.com');
    m.h.advance(600_000);
    expect((await verifyToken(mail.token)).status).toBe(401);
    expect((await verifyCode('late@example.com', mail.code)).status).toBe(401);
    expect((await m.h.request(`/auth/email/link-info?token=${mail.token}`)).status).toBe(401);
  });

  it('kills the code after 5 wrong tries, even for the right digits', async () => {
    const mail = await requestMail('guess@example.com');
    const wrong = mail.code === '000000' ? '000001' : '000000';
    for (let i = 0; i < 5; i++) {
      const res = await verifyCode('guess@example.com', wrong);
      expect(res.status).toBe(401);
      expect((await errorOf(res)).code).toBe('INVALID_CODE');
    }
    expect(rows('SELECT failed_attempts FROM email_tokens')).toEqual([{ failed_attempts: 5 }]);
    expect((await verifyCode('guess@example.com', mail.code)).status).toBe(401);
    expect(rows('SELECT count(*) AS n FROM sessions')).toEqual([{ n: 0 }]);
    // The link of that message is not a guessable secret and keeps working.
    expect((await verifyToken(mail.token)).status).toBe(201);
  });

  it('counts parallel wrong guesses atomically: never more than 5 are counted, and the right code then fails', async () => {
    const mail = await requestMail('burst@example.com');
    const guesses = Array.from({ length: 12 }, (_, i) =>
      String((Number(mail.code) + 1 + i) % 1_000_000).padStart(6, '0'),
    );
    const results = await Promise.all(guesses.map((g) => verifyCode('burst@example.com', g)));
    expect(results.every((r) => r.status === 401)).toBe(true);
    expect(rows('SELECT failed_attempts FROM email_tokens')).toEqual([{ failed_attempts: 5 }]);
    expect((await verifyCode('burst@example.com', mail.code)).status).toBe(401);
  });

  it('a newer request makes the older link and code dead', async () => {
    const older = await requestMail('twice@example.com');
    const newer = await requestMail('twice@example.com');
    expect((await verifyToken(older.token)).status).toBe(401);
    // (Equal codes, one time in a million, would be the newer row's code.)
    if (older.code !== newer.code) expect((await verifyCode('twice@example.com', older.code)).status).toBe(401);
    expect(rows('SELECT count(*) AS n FROM email_tokens WHERE consumed_at IS NULL')).toEqual([{ n: 1 }]);
    expect((await verifyCode('twice@example.com', newer.code)).status).toBe(201);
  });

  it('gives 20 parallel verifies of one token exactly one success', async () => {
    const mail = await requestMail('race@example.com');
    const results = await Promise.all(Array.from({ length: 20 }, () => verifyToken(mail.token)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s < 300)).toEqual([201]);
    expect(statuses.filter((s) => s === 401)).toHaveLength(19);
    expect(rows('SELECT count(*) AS n FROM users')).toEqual([{ n: 1 }]);
    expect(rows('SELECT count(*) AS n FROM sessions')).toEqual([{ n: 1 }]);
    expect(rows('SELECT count(*) AS n FROM sessions WHERE refresh_gen = 0 AND refresh_hash IS NOT NULL')).toEqual([
      { n: 1 },
    ]);
    expect(
      rows(
        "SELECT count(*) AS n FROM audit_events WHERE type IN ('email.verified', 'session.started', 'account.created') GROUP BY type",
      ),
    ).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }]);
    expect(rows("SELECT count(*) AS n FROM audit_events WHERE type = 'email.verify_failed'")).toEqual([{ n: 19 }]);
  });

  it('gives 20 parallel verifies of one code exactly one success', async () => {
    const mail = await requestMail('race-code@example.com');
    const results = await Promise.all(Array.from({ length: 20 }, () => verifyCode('race-code@example.com', mail.code)));
    expect(results.map((r) => r.status).filter((s) => s < 300)).toEqual([201]);
    expect(rows('SELECT count(*) AS n FROM sessions')).toEqual([{ n: 1 }]);
  });

  it('refuses malformed bodies with 400 and unknown tokens with 401', async () => {
    for (const body of [
      {},
      [],
      { token: 42 },
      { token: 'short' },
      { email: 'a@example.com', code: '12345' },
      { email: 'a@example.com', code: 123456 },
      { email: 'a@example.com' },
      { token: 'A'.repeat(43), email: 'a@example.com' },
      { email: 'not an address', code: '123456' },
    ]) {
      const res = await m.h.request('/auth/email/verify', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(res)).code).toBe('INVALID_REQUEST');
    }
    expect((await verifyToken('A'.repeat(43))).status).toBe(401);
    expect((await verifyCode('nobody@example.com', '123456')).status).toBe(401);
  });

  it('records audit events for sent, verified, failed and created', async () => {
    const mail = await requestMail('audit@example.com');
    await m.settle();
    await verifyToken('A'.repeat(43));
    const res = await verifyToken(mail.token);
    const { user } = (await res.json()) as SessionBody;
    const events = rows<{ type: string; user_id: string | null; detail: string }>(
      'SELECT type, user_id, detail FROM audit_events ORDER BY id',
    );
    const types = events.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'email.sent',
        'email.verify_failed',
        'account.created',
        'email.verified',
        'session.started',
      ]),
    );
    expect(events.find((e) => e.type === 'account.created')!.user_id).toBe(user.id);
    expect(events.find((e) => e.type === 'email.verified')!.user_id).toBe(user.id);
    // No secret in the audit trail.
    expect(JSON.stringify(events)).not.toContain(mail.token);
    expect(JSON.stringify(events)).not.toContain(mail.code);
  });

  it('never logs the token or code (SMTP transport)', async () => {
    const mail = await requestMail('logs@example.com');
    await verifyToken(mail.token);
    await m.h.request(`/auth/email/verify?token=${mail.token}`);
    await m.settle();
    const all = JSON.stringify(m.h.logs);
    expect(all).not.toContain(mail.token);
    expect(all).not.toContain(mail.code);
  });
});
