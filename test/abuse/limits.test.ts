/**
 * Issue 14, items 3, 4 and 6: who counts as one client, what counts as one mailbox, and limits
 * that a stranger cannot spend for the owner; over HTTP against the real server (the test talks
 * from 127.0.0.1, listed in TRUST_PROXY where it plays a proxy, so X-Forwarded-For names clients),
 * and for client addresses also against the Worker (`npm run dev:worker`, CF-Connecting-IP).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp-capture.js';
import { startDevWorker, type DevWorker } from '../helpers/dev-worker.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let smtp: SmtpCapture;
beforeAll(async () => {
  smtp = await startSmtpCapture();
});
afterAll(() => smtp.close());

/** A clock that stands still unless a test moves it: a slow machine must not refill a budget mid-test. */
const STILL = Date.UTC(2026, 0, 15, 12, 0, 0);
async function serve(env: Record<string, string>, clock: () => number = () => STILL): Promise<LiveServer> {
  const s = await startLiveServer(
    { DATABASE_PATH: ':memory:', SMTP_URL: `smtp://127.0.0.1:${smtp.port}?ignoreTLS=true`, ...env },
    { clock },
  );
  cleanups.push(() => s.stop());
  return s;
}
const start = (s: LiveServer, email: string, forwardedFor?: string) =>
  s.fetch('/auth/email/start', { json: { email }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });
const statuses = async (requests: (() => Promise<Response>)[]) => {
  const out: number[] = [];
  for (const r of requests) out.push((await r()).status);
  return out;
};

describe('3. client addresses', () => {
  it('text variants of one address, IPv4-mapped forms and ports share one budget', async () => {
    const s = await serve({ TRUST_PROXY: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '3', RATE_LIMIT_EMAILS_PER_HOUR: '100' });
    const v4 = ['198.51.100.7', '::ffff:198.51.100.7', '198.051.100.007', '198.51.100.7:5555', '[::ffff:c633:6407]:80'];
    expect(await statuses(v4.map((ip, i) => () => start(s, `v4-${i}@example.com`, ip)))).toEqual([
      202, 202, 202, 429, 429,
    ]);
    const v6 = [
      '2001:db8:1:2::1',
      '2001:DB8:1:2::2',
      '[2001:0db8:0001:0002:0000:0000:0000:0003]:443',
      '2001:db8:1:2:ffff::9',
      'fe80::1%eth0',
    ];
    // Four addresses of one /64 are one client; fe80::1 is another.
    expect(await statuses(v6.map((ip, i) => () => start(s, `v6-${i}@example.com`, ip)))).toEqual([
      202, 202, 202, 429, 202,
    ]);
  });

  it('counts IPv6 by /64, with the /48 capped at 8 times the limit', async () => {
    const s = await serve({
      TRUST_PROXY: '127.0.0.1',
      RATE_LIMIT_PER_MINUTE: '2',
      RATE_LIMIT_EMAILS_PER_HOUR: '100',
      RATE_LIMIT_EMAILS_PER_CLIENT_PER_HOUR: '1000',
    });
    const answers: number[] = [];
    // Twelve /64s of one /48, two requests each: the /48 allows 16 in all.
    for (let net = 0; net < 12; net++)
      for (let i = 0; i < 2; i++)
        answers.push((await start(s, `n${net}-${i}@example.com`, `2001:db8:aa:${net.toString(16)}::${i + 1}`)).status);
    expect(answers.filter((x) => x === 202)).toHaveLength(16);
    expect(answers.slice(16).every((x) => x === 429)).toBe(true);
    // Another /48 is another site.
    expect((await start(s, 'elsewhere@example.com', '2001:db8:bb::1')).status).toBe(202);
  });

  it('X-Forwarded-For counts only from a listed proxy, and only what listed proxies added', async () => {
    // The test connects from 127.0.0.1, which is not 10.0.0.0/8: a client reaching the app directly.
    const direct = await serve({
      TRUST_PROXY: '10.0.0.0/8',
      RATE_LIMIT_PER_MINUTE: '3',
      RATE_LIMIT_EMAILS_PER_HOUR: '100',
    });
    const spoofed = ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'];
    expect(await statuses(spoofed.map((ip, i) => () => start(direct, `d${i}@example.com`, ip)))).toEqual([
      202, 202, 202, 429,
    ]);

    // Behind listed proxies (127.0.0.1 and 10.0.0.0/8): the right-most entry that is not a proxy is the client.
    const proxied = await serve({
      TRUST_PROXY: '127.0.0.1,10.0.0.0/8',
      RATE_LIMIT_PER_MINUTE: '3',
      RATE_LIMIT_EMAILS_PER_HOUR: '100',
    });
    const chains = [
      '1.1.1.1, 198.51.100.9, 10.0.0.5',
      '2.2.2.2, 198.51.100.9',
      'garbage, 198.51.100.9, 10.1.1.1',
      '198.51.100.9',
    ];
    expect(await statuses(chains.map((xff, i) => () => start(proxied, `p${i}@example.com`, xff)))).toEqual([
      202, 202, 202, 429,
    ]);
    expect((await start(proxied, 'other@example.com', '198.51.100.10, 10.0.0.5')).status).toBe(202);
  });

  it('TRUST_PROXY=true trusts the direct peer as one proxy: the right-most entry is the client', async () => {
    const s = await serve({ TRUST_PROXY: 'true', RATE_LIMIT_PER_MINUTE: '2', RATE_LIMIT_EMAILS_PER_HOUR: '100' });
    const chains = ['9.9.9.1, 198.51.100.30', '9.9.9.2, 198.51.100.30', '198.51.100.30'];
    expect(await statuses(chains.map((xff, i) => () => start(s, `t${i}@example.com`, xff)))).toEqual([202, 202, 429]);
  });

  it('on the Worker: CF-Connecting-IP counts in the same canonical form', async () => {
    const worker: DevWorker = await startDevWorker({ RATE_LIMIT_PER_MINUTE: '3', RATE_LIMIT_EMAILS_PER_HOUR: '100' });
    cleanups.push(() => worker.stop());
    const post = (ip: string, email: string) =>
      fetch(`${worker.base}/auth/email/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
        body: JSON.stringify({ email }),
      });
    const ips = ['2001:db8:5:6::1', '2001:DB8:5:6::2', '2001:0db8:0005:0006::3', '2001:db8:5:6::4'];
    const answers: number[] = [];
    for (const [i, ip] of ips.entries()) answers.push((await post(ip, `w${i}@example.com`)).status);
    expect(answers).toEqual([202, 202, 202, 429]);
    expect((await post('2001:db8:5:7::1', 'w-other@example.com')).status).toBe(202);
    const mapped = ['::ffff:198.51.100.44', '198.51.100.44', '198.51.100.44', '198.51.100.44'];
    const v4: number[] = [];
    for (const [i, ip] of mapped.entries()) v4.push((await post(ip, `m${i}@example.com`)).status);
    expect(v4).toEqual([202, 202, 202, 429]);
  }, 150_000);
});

describe('4. mail bombing through spellings', () => {
  it('spellings of one Gmail mailbox share one budget', async () => {
    const s = await serve({ RATE_LIMIT_EMAILS_PER_HOUR: '3' });
    const spellings = [
      'bomb+1@gmail.com',
      'b.omb@gmail.com',
      'bomb@googlemail.com',
      'B.O.M.B+2@GoogleMail.com',
      'bomb@gmail.com',
    ];
    expect(await statuses(spellings.map((e) => () => start(s, e)))).toEqual([202, 202, 202, 429, 429]);
  });

  it('caps the mail one client can cause, whatever the addresses', async () => {
    const s = await serve({ TRUST_PROXY: '127.0.0.1', RATE_LIMIT_EMAILS_PER_CLIENT_PER_HOUR: '4' });
    const answers = await statuses(
      Array.from({ length: 5 }, (_, i) => () => start(s, `someone${i}@example${i}.com`, '203.0.113.50')),
    );
    expect(answers).toEqual([202, 202, 202, 202, 429]);
    expect((await start(s, 'someone@example.org', '203.0.113.51')).status).toBe(202);
  });

  it('caps the mail to one domain, whoever asks', async () => {
    const s = await serve({ TRUST_PROXY: '127.0.0.1', RATE_LIMIT_EMAILS_PER_DOMAIN_PER_HOUR: '3' });
    const answers = await statuses(
      Array.from({ length: 4 }, (_, i) => () => start(s, `user${i}@victim.example`, `203.0.113.${60 + i}`)),
    );
    expect(answers).toEqual([202, 202, 202, 429]);
    expect((await start(s, 'user@other.example', '203.0.113.70')).status).toBe(202);
  });
});

describe('6. a stranger cannot lock the owner out of email sign-in', () => {
  it("the attacker spends only their own budget for the owner's mailbox; many clients meet the per-mailbox cap", async () => {
    const s = await serve({
      TRUST_PROXY: '127.0.0.1',
      RATE_LIMIT_EMAILS_PER_HOUR: '4',
      RATE_LIMIT_EMAILS_PER_MAILBOX_PER_HOUR: '10',
    });
    const attacker = await statuses(
      Array.from({ length: 5 }, () => () => start(s, 'owner@example.com', '203.0.113.66')),
    );
    expect(attacker).toEqual([202, 202, 202, 202, 429]);
    expect((await start(s, 'owner@example.com', '198.51.100.20')).status).toBe(202);
    // Strangers from many networks together meet the mailbox's cap (10 an hour).
    const crowd = await statuses(
      Array.from({ length: 6 }, (_, i) => () => start(s, 'owner@example.com', `192.0.2.${i + 1}`)),
    );
    expect(crowd).toEqual([202, 202, 202, 202, 202, 429]);
  });

  it('no window boundary lets twice the limit through (GCRA, not fixed windows)', async () => {
    let now = Date.UTC(2026, 0, 15, 12, 59, 58);
    const s = await serve({ RATE_LIMIT_EMAILS_PER_HOUR: '4' }, () => now);
    expect(await statuses(Array.from({ length: 4 }, () => () => start(s, 'edge@example.com')))).toEqual([
      202, 202, 202, 202,
    ]);
    now += 4_000; // 13:00:02, a new fixed window
    const after = await start(s, 'edge@example.com');
    expect(after.status).toBe(429);
    // One more every 15 minutes (an hour / 4) once the burst is spent.
    expect(Number(after.headers.get('retry-after'))).toBeGreaterThan(800);
    now += 15 * 60_000;
    expect((await start(s, 'edge@example.com')).status).toBe(202);
    expect((await start(s, 'edge@example.com')).status).toBe(429);
  });
});
