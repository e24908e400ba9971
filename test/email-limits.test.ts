/**
 * What POST /auth/email/start refuses, and what it does not reveal: malformed addresses (400, no
 * mail), the per-address mail limit and the per-client limit on /auth/* (429 with Retry-After),
 * and identical answers for addresses with and without an account.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMailHarness, type MailHarness } from './helpers/smtp-capture.js';

let m: MailHarness | undefined;
afterEach(async () => {
  await m?.close();
  m = undefined;
});

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;
const count = (table: string) =>
  (m!.h.sqlite.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const start = (email: unknown, opts: { ip?: string; path?: string; headers?: Record<string, string> } = {}) =>
  m!.h.request(opts.path ?? '/auth/email/start', { body: { email }, ip: opts.ip, headers: opts.headers });

describe('malformed addresses', () => {
  it('each gets 400 INVALID_REQUEST with a message saying why, and no mail is stored or sent', async () => {
    m = await createMailHarness();
    const bad: unknown[] = [
      'a@x.com,b@y.com',
      'a@x.com;b@y.com',
      'a@x.com b@y.com',
      '"a@b"@x.com',
      '"ada"@example.com',
      'ada@example.com\r\nBcc: mallory@evil.example',
      'ada@example.com\n',
      'ada\u0000@example.com',
      'Ada <ada@example.com>',
      '<ada@example.com>',
      'ada(comment)@example.com',
      `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`,
      `${'a'.repeat(65)}@example.com`,
      'ada@[127.0.0.1]',
      'ada@127.0.0.1',
      'ada@localhost',
      '=?utf-8?q?mallory=40evil.example?=@example.com',
      'ada..lovelace@example.com',
      '.ada@example.com',
      'ada@',
      '@example.com',
      'ada',
      '',
      '   ',
      'adä@example.com',
      'ada@exa_mple.com',
    ];
    for (const email of bad) {
      const res = await start(email);
      expect(res.status, JSON.stringify(email)).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.message, JSON.stringify(email)).toMatch(/^email: .{8,}/);
    }
    await m.settle();
    expect(count('email_tokens')).toBe(0);
    expect(count('mail_queue')).toBe(0);
    expect(m.smtp!.received).toHaveLength(0);
  });

  it('accepts what it documents: IDN domains become punycode, case and surrounding spaces are folded', async () => {
    m = await createMailHarness();
    expect((await start(' Ada.Lovelace+tag@Bücher.Example ')).status).toBe(202);
    const [mail] = await m.smtp!.waitFor(1);
    const stored = m.h.sqlite.sqlite.prepare('SELECT email FROM email_tokens').all();
    expect(stored).toEqual([{ email: 'ada.lovelace+tag@xn--bcher-kva.example' }]);
    // smtp-server shows the envelope's IDN domain decoded again.
    expect(mail!.rcptTo).toEqual(['ada.lovelace+tag@bücher.example']);
  });
});

describe('no user enumeration', () => {
  it('answers a known and an unknown address identically (status, body, headers apart from Date) and does the same database work', async () => {
    m = await createMailHarness();
    await m.h.signIn('known@example.com');
    const tables = () => ({
      tokens: count('email_tokens'),
      mail: count('mail_queue'),
      users: count('users'),
      limits: count('rate_limits'),
    });
    const answer = async (email: string) => {
      const before = tables();
      const res = await start(email);
      const after = tables();
      const headers: [string, string][] = [];
      res.headers.forEach((value, name) => void (name !== 'date' && headers.push([name, value])));
      return {
        status: res.status,
        body: await res.text(),
        headers,
        work: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof typeof before]])),
      };
    };
    // Warm up the per-client counter so both measured requests find it in place.
    expect((await start('warm-up@example.com')).status).toBe(202);
    const known = await answer('known@example.com');
    const unknown = await answer('unknown@example.com');
    expect(known).toEqual(unknown);
    expect(known.status).toBe(202);
    expect(known.body).toBe('{"ok":true}');
    // New limit rows for this mailbox (from this client, and from anyone); client and domain rows exist already.
    expect(known.work).toEqual({ tokens: 1, mail: 1, users: 0, limits: 2 });
    // Both get the same kind of message.
    const mails = await m.smtp!.waitFor(3);
    expect(mails.map((x) => x.mail.subject)).toEqual(Array(3).fill('Sign in to Sesame'));
  });
});

describe('rate limits', () => {
  it(`sends at most RATE_LIMIT_EMAILS_PER_HOUR messages to one mailbox from one client per hour, then 429 with Retry-After`, async () => {
    m = await createMailHarness({ env: { RATE_LIMIT_EMAILS_PER_HOUR: '3' } });
    m.h.setNow(Date.UTC(2026, 0, 15, 12, 30, 0));
    // Other spellings of the same address count against the same limit.
    for (const email of ['flood@example.com', 'FLOOD@example.com', ' flood+x@EXAMPLE.com'])
      expect((await start(email, { ip: '10.0.0.1' })).status).toBe(202);
    const limited = await start('Flood@example.com', { ip: '10.0.0.1' });
    expect(limited.status).toBe(429);
    // GCRA: 3 an hour, one more every 20 minutes once the burst is used.
    expect(limited.headers.get('retry-after')).toBe('1200');
    expect((await errorOf(limited)).code).toBe('RATE_LIMITED');
    // Another address is not affected.
    expect((await start('other@example.com', { ip: '10.0.0.1' })).status).toBe(202);
    await m.smtp!.waitFor(4);
    await m.settle();
    expect(m.smtp!.received.filter((x) => x.rcptTo[0]!.startsWith('flood'))).toHaveLength(3);
    expect(count('email_tokens')).toBe(4);
    m.h.advance(1_200_000);
    expect((await start('flood@example.com', { ip: '10.0.0.1' })).status).toBe(202);
    expect((await start('flood@example.com', { ip: '10.0.0.1' })).status).toBe(429);
  });

  it('limits requests to /auth/* per client address, and other spellings of the path do not get around it', async () => {
    m = await createMailHarness({ env: { RATE_LIMIT_PER_MINUTE: '4' } });
    m.h.setNow(Date.UTC(2026, 0, 15, 12, 0, 15));
    const spellings = ['/auth/email/start', '/auth/email/start/', '/AUTH/email/start', '//auth/email/start'];
    for (let i = 0; i < 4; i++) {
      const res = await start(`ip${i}@example.com`, { path: spellings[i] });
      expect(res.status, spellings[i]).not.toBe(429);
    }
    for (const path of [...spellings, '/Auth/Email/Start/', '/auth/email/verify', '/auth/email/link-info?token=x']) {
      const res = await start('ip@example.com', { path });
      expect(res.status, path).toBe(429);
      // GCRA: 4 a minute, the next one 15 s after the burst.
      expect(res.headers.get('retry-after'), path).toBe('15');
    }
    // Another client is not affected; the next minute this one may ask again.
    expect((await start('ip@example.com', { ip: '10.1.2.3' })).status).toBe(202);
    m.h.advance(45_000);
    expect((await start('ip@example.com')).status).toBe(202);
  });
});
