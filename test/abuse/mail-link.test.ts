/**
 * Issue 14, item 10, over HTTP against the real server (SMTP to a local smtp-server): the link
 * carries its token in the fragment (never in a request line, so never in a log); links of the
 * older `?token=` form keep working; the message says never to share the code and names the
 * device and the time of the request, in words of its own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp-capture.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const NOW = Date.UTC(2026, 0, 15, 12, 34, 56);
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

async function serve(): Promise<{ s: LiveServer; smtp: SmtpCapture }> {
  const smtp = await startSmtpCapture();
  cleanups.push(() => smtp.close());
  const s = await startLiveServer(
    {
      DATABASE_PATH: ':memory:',
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}?ignoreTLS=true`,
      PUBLIC_URL: 'https://auth.example.test',
    },
    { clock: () => NOW },
  );
  cleanups.push(() => s.stop());
  return { s, smtp };
}

describe('10. the emailed link and message', () => {
  it('puts the token in the fragment: opening the link sends no token, and no log line holds it', async () => {
    const { s, smtp } = await serve();
    expect(
      (
        await s.fetch('/auth/email/start', {
          json: { email: 'ada@example.com' },
          headers: { 'user-agent': FIREFOX_WINDOWS },
        })
      ).status,
    ).toBe(202);
    const [mail] = await smtp.waitFor(1);
    expect(mail!.link).toMatch(/^https:\/\/auth\.example\.test\/auth\/email\/verify#token=[A-Za-z0-9_-]{43}$/);
    expect(mail!.mail.text).not.toContain('?token=');
    expect(mail!.mail.html).not.toContain('?token=');
    // What a browser requests for that link: the path only (a fragment never leaves it).
    const link = new URL(mail!.link);
    const page = await s.fetch(link.pathname + link.search);
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await s.fetch('/auth/email/verify', { json: { token: mail!.token } })).status).toBe(201);
    expect(JSON.stringify(s.logs)).not.toContain(mail!.token);
  });

  it('says never to share the code, and names the device and the time of the request', async () => {
    const { s, smtp } = await serve();
    await s.fetch('/auth/email/start', {
      json: { email: 'ada@example.com' },
      headers: { 'user-agent': FIREFOX_WINDOWS },
    });
    const hostile =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Safari/604.1 -- call +1 555 0100 to claim your prize at evil.example';
    await s.fetch('/auth/email/start', { json: { email: 'bob@example.com' }, headers: { 'user-agent': hostile } });
    const received = await smtp.waitFor(2);
    const ada = received.find((m) => m.rcptTo[0] === 'ada@example.com');
    const bob = received.find((m) => m.rcptTo[0] === 'bob@example.com');
    for (const mail of [ada!, bob!]) {
      expect(mail.mail.text).toMatch(/Never share this code or link with anyone\. Sesame will never ask you for it\./);
      expect(mail.mail.html).toContain('Never share this code or link with anyone.');
      expect(mail.mail.text).toContain('on January 15, 2026 at 12:34 UTC');
    }
    expect(ada!.mail.text).toContain('This was requested from Firefox on Windows on January 15, 2026 at 12:34 UTC.');
    // Only words of our own: nothing the requester wrote reaches the message.
    expect(bob!.mail.text).toContain('requested from Safari on iPhone');
    expect(String(bob!.mail.text) + String(bob!.mail.html)).not.toMatch(/evil\.example|555 0100|prize/);
  });

  it('a link of the older form (?token=) still opens its page and signs in for its lifetime', async () => {
    const { s, smtp } = await serve();
    await s.fetch('/auth/email/start', { json: { email: 'old@example.com' } });
    const [mail] = await smtp.waitFor(1);
    const older = `/auth/email/verify?token=${mail!.token}`;
    expect((await s.fetch(older)).status).toBe(200);
    expect((await s.fetch(older, { method: 'HEAD' })).status).toBe(200);
    expect((await s.fetch('/auth/email/verify', { json: { token: mail!.token } })).status).toBe(201);
  });
});
