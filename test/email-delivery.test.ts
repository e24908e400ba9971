/**
 * Mail delivery: nothing is lost when the SMTP server refuses or is down, a message is sent once
 * even with two senders, expired links are given up and audited, what the HTML part embeds is
 * escaped, links use PUBLIC_URL whatever the request's Host, and the development outbox.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { deliverDueMail, deliverMail, SEND_LEASE_MS } from '../src/mail/queue.js';
import { createMailHarness, extractLinkAndCode, type MailHarness } from './helpers/smtp-capture.js';

let m: MailHarness | undefined;
afterEach(async () => {
  await m?.close();
  m = undefined;
});

interface QueueRow {
  id: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  text: string;
  html: string;
}
const queue = () => m!.h.sqlite.sqlite.prepare('SELECT * FROM mail_queue ORDER BY created_at').all() as QueueRow[];
const audit = (type: string) =>
  m!.h.sqlite.sqlite.prepare('SELECT detail FROM audit_events WHERE type = ?').all(type) as { detail: string }[];
const start = async (email: string, headers: Record<string, string> = {}) => {
  const res = await m!.h.request('/auth/email/start', { body: { email }, headers });
  expect(res.status).toBe(202);
};

describe('delivery over SMTP', () => {
  it('keeps a message the server refuses with 4xx and delivers it on a later attempt, backing off', async () => {
    m = await createMailHarness();
    m.smtp!.refuseWith(451);
    await start('busy@example.com');
    await m.settle();
    let [row] = queue();
    expect(row).toMatchObject({ status: 'pending', attempts: 1, next_attempt_at: m.h.now() + 5_000 });
    expect(row!.last_error).toContain('451');

    // Not due yet: nothing is attempted.
    expect(await deliverDueMail(m.h.deps)).toEqual({ sent: 0, retry: 0, failed: 0, expired: 0 });
    m.h.advance(5_000);
    expect(await deliverDueMail(m.h.deps)).toMatchObject({ retry: 1 });
    [row] = queue();
    expect(row).toMatchObject({ status: 'pending', attempts: 2, next_attempt_at: m.h.now() + 15_000 });
    expect(m.smtp!.refusals()).toBe(2);

    m.smtp!.refuseWith(null);
    m.h.advance(15_000);
    expect(await deliverDueMail(m.h.deps)).toMatchObject({ sent: 1 });
    expect(m.smtp!.received).toHaveLength(1);
    expect(m.smtp!.received[0]!.rcptTo).toEqual(['busy@example.com']);
    expect(queue()).toEqual([expect.objectContaining({ status: 'sent', attempts: 3, text: '', html: '' })]);
    expect(audit('email.sent')).toHaveLength(1);
    // The link and code of the delivered message still work.
    const { token } = m.smtp!.received[0]!;
    expect((await m.h.request('/auth/email/verify', { body: { token } })).status).toBe(201);
  });

  it('loses no message while the server is down: it arrives once the server is back on the same port', async () => {
    m = await createMailHarness({ smtp: 'down' });
    await start('later@example.com');
    await m.settle();
    expect(queue()).toEqual([expect.objectContaining({ status: 'pending', attempts: 1 })]);
    expect(queue()[0]!.last_error).toMatch(/ECONNREFUSED|connect/i);
    // Logged without the link or code.
    expect(m.h.logs.some((l) => l.msg === 'mail delivery failed; will retry')).toBe(true);

    const smtp = await m.bringUp();
    m.h.advance(5_000);
    expect(await deliverDueMail(m.h.deps)).toMatchObject({ sent: 1 });
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail!.rcptTo).toEqual(['later@example.com']);
    expect(
      (await m.h.request('/auth/email/verify', { body: { email: 'later@example.com', code: mail!.code } })).status,
    ).toBe(201);
    const logs = JSON.stringify(m.h.logs);
    expect(logs).not.toContain(mail!.token);
    expect(logs).not.toContain(mail!.code);
  });

  it('gives a message up when its link expires before the server comes back, audited and logged without secrets', async () => {
    m = await createMailHarness({ smtp: 'down', env: { MAGIC_LINK_TTL: '60' } });
    await start('gone@example.com');
    await m.settle();
    m.h.advance(5_000);
    await deliverDueMail(m.h.deps); // 2nd attempt fails; the 3rd (in 15 s) is still before expiry
    m.h.advance(15_000);
    await deliverDueMail(m.h.deps); // 3rd fails; a 4th (in 45 s) would come after expiry: given up
    expect(queue()).toEqual([expect.objectContaining({ status: 'failed', attempts: 3, text: '', html: '' })]);
    expect(audit('email.send_failed')).toHaveLength(1);
    expect(JSON.parse(audit('email.send_failed')[0]!.detail)).toMatchObject({ to: 'gone@example.com', attempts: 3 });
    const smtp = await m.bringUp();
    m.h.advance(60_000);
    expect(await deliverDueMail(m.h.deps)).toEqual({ sent: 0, retry: 0, failed: 0, expired: 0 });
    expect(smtp.received).toHaveLength(0);
    expect(m.h.logs.some((l) => l.level === 'error' && l.msg === 'mail given up')).toBe(true);
  });

  it('gives up pending mail whose link expired while nothing ran (deliverDueMail)', async () => {
    m = await createMailHarness({ smtp: 'down' });
    await start('expired@example.com');
    await m.settle();
    m.h.advance(600_000);
    expect(await deliverDueMail(m.h.deps)).toMatchObject({ expired: 1 });
    expect(queue()).toEqual([expect.objectContaining({ status: 'failed', text: '', html: '' })]);
    expect(audit('email.send_failed')).toHaveLength(1);
  });

  it('marks a permanent refusal (5xx) failed at once, audited', async () => {
    m = await createMailHarness();
    m.smtp!.refuseWith(550);
    await start('nobody@example.com');
    await m.settle();
    expect(queue()).toEqual([expect.objectContaining({ status: 'failed', attempts: 1, text: '', html: '' })]);
    expect(queue()[0]!.last_error).toContain('550');
    expect(audit('email.send_failed')).toHaveLength(1);
    m.h.advance(60_000);
    expect(await deliverDueMail(m.h.deps)).toEqual({ sent: 0, retry: 0, failed: 0, expired: 0 });
  });

  it('sends a message once when two senders run at the same time', async () => {
    m = await createMailHarness();
    m.smtp!.refuseWith(451);
    await start('once@example.com');
    await m.settle();
    m.smtp!.refuseWith(null);
    m.h.advance(5_000);
    const [id] = queue().map((r) => r.id);
    const outcomes = await Promise.all([
      deliverMail(m.h.deps, id!),
      deliverMail(m.h.deps, id!),
      deliverDueMail(m.h.deps),
      deliverDueMail(m.h.deps),
    ]);
    expect(outcomes.filter((o) => o === 'sent' || (typeof o === 'object' && o.sent === 1))).toHaveLength(1);
    expect(m.smtp!.received).toHaveLength(1);
  });

  it('takes over a message left in "sending" by a sender that died, once its lease has run out', async () => {
    m = await createMailHarness();
    m.smtp!.refuseWith(451);
    await start('stuck@example.com');
    await m.settle();
    m.smtp!.refuseWith(null);
    // As if another instance had claimed it and then crashed mid-send.
    m.h.sqlite.sqlite
      .prepare("UPDATE mail_queue SET status = 'sending', next_attempt_at = ?")
      .run(m.h.now() + SEND_LEASE_MS);
    m.h.advance(SEND_LEASE_MS - 1);
    expect(await deliverDueMail(m.h.deps)).toMatchObject({ sent: 0 });
    m.h.advance(1);
    expect(await deliverDueMail(m.h.deps)).toMatchObject({ sent: 1 });
    expect(m.smtp!.received).toHaveLength(1);
  });
});

describe('message content', () => {
  it('escapes in the HTML part what it embeds (the address), and keeps the text part plain', async () => {
    m = await createMailHarness();
    await start("o'hara&sons@example.com");
    const [mail] = await m.smtp!.waitFor(1);
    const html = mail!.mail.html as string;
    expect(html).toContain('o&#39;hara&amp;sons@example.com');
    expect(html).not.toContain("o'hara&sons");
    expect(mail!.mail.text).toContain("o'hara&sons@example.com");
    expect(html).toContain(`href="${mail!.link}"`);
  });

  it('builds links from PUBLIC_URL only, whatever Host or X-Forwarded-Host the request carries', async () => {
    m = await createMailHarness({ env: { PUBLIC_URL: 'https://auth.example.com' } });
    await start('host@example.com', {
      host: 'evil.example',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'http',
    });
    const res = await m.h.app.request(
      'http://evil.example/auth/email/start',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-host': 'evil.example' },
        body: JSON.stringify({ email: 'host@example.com' }),
      },
      { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
    );
    expect(res.status).toBe(202);
    const mails = await m.smtp!.waitFor(2);
    for (const mail of mails) {
      expect(mail.link.startsWith('https://auth.example.com/auth/email/verify#token=')).toBe(true);
      expect(`${mail.mail.text}${mail.mail.html}`).not.toContain('evil.example');
    }
  });
});

describe('development outbox', () => {
  it('keeps and logs the message (link and code visible) and lists it at GET /dev/outbox, newest first', async () => {
    m = await createMailHarness({ smtp: 'outbox' });
    await start('first@example.com');
    m.h.advance(1000);
    await start('second@example.com');
    await start('third@example.com');
    const res = await m.h.request('/dev/outbox');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { messages } = (await res.json()) as {
      messages: { to: string; subject: string; text: string; html: string; createdAt: string }[];
    };
    expect(messages.map((x) => x.to)).toEqual(['third@example.com', 'second@example.com', 'first@example.com']);
    expect(messages[2]!.createdAt).toBe(new Date(m.h.now() - 1000).toISOString());
    const { token, code } = extractLinkAndCode(messages[0]!.text);
    expect(messages[0]!.html).toContain(code);
    expect(messages[0]!).toMatchObject({ subject: 'Sign in to Sesame' });
    const logged = m.h.logs.filter((l) => l.msg.startsWith('development outbox'));
    expect(logged).toHaveLength(3);
    expect(JSON.stringify(logged)).toContain(token);
    expect(JSON.stringify(logged)).toContain(code);
    expect(queue().map((r) => r.status)).toEqual(['outbox', 'outbox', 'outbox']);
    // Retries never touch the outbox, and its link signs in.
    m.h.advance(10_000);
    expect(await deliverDueMail(m.h.deps)).toEqual({ sent: 0, retry: 0, failed: 0, expired: 0 });
    expect((await m.h.request('/auth/email/verify', { body: { email: 'third@example.com', code } })).status).toBe(201);
  });

  it('is 404 in production', async () => {
    m = await createMailHarness({
      smtp: 'outbox',
      env: {
        NODE_ENV: 'production',
        SMTP_URL: 'smtp://127.0.0.1:2525',
        SIGNING_KEY_SECRET: 'x'.repeat(32),
        PUBLIC_URL: 'https://auth.example.com',
      },
    });
    await start('prod@example.com');
    const res = await m.h.request('/dev/outbox');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});
