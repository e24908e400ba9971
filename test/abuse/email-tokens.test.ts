/**
 * Issue 14, items 1 and 2, over HTTP against the real server (startNodeServer, SMTP to a local
 * smtp-server, a SQLite file).
 *
 * 1. A mailbox gets 10 wrong codes in 24 hours across all its codes and spellings; then codes are
 *    refused (401) while the link keeps working, until a link succeeds.
 * 2. Codes and link tokens are stored under HMAC with a server key (HKDF of SIGNING_KEY_SECRET, or
 *    a generated development key kept in the database): a reader of email_tokens cannot test the
 *    10^6 codes of a row. Rows written before the change keep working until they expire.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { liveDatabase, startLiveServer, type LiveServer } from '../helpers/live-server.js';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp-capture.js';

const SECRET = 'correct horse battery staple, 32+ characters';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(env: Record<string, string> = {}): Promise<{ s: LiveServer; smtp: SmtpCapture }> {
  const smtp = await startSmtpCapture();
  cleanups.push(() => smtp.close());
  const s = await startLiveServer({
    DATABASE_PATH: ':memory:',
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}?ignoreTLS=true`,
    ...env,
  });
  cleanups.push(() => s.stop());
  return { s, smtp };
}

async function requestMail(s: LiveServer, smtp: SmtpCapture, email: string) {
  const before = smtp.received.length;
  expect((await s.fetch('/auth/email/start', { json: { email } })).status).toBe(202);
  return (await smtp.waitFor(before + 1))[before]!;
}
const verifyCode = (s: LiveServer, email: string, code: string) =>
  s.fetch('/auth/email/verify', { json: { email, code } });
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

describe('1. the wrong-code budget of a mailbox', () => {
  it('after 10 wrong codes across codes and spellings, even the right code is refused; the link still works and resets it', async () => {
    const { s, smtp } = await serve({ RATE_LIMIT_EMAILS_PER_HOUR: '20' });
    // Two codes, five wrong tries each, through three spellings of one Gmail mailbox.
    for (const spelling of ['bomb@gmail.com', 'b.omb+x@googlemail.com']) {
      const mail = await requestMail(s, smtp, spelling);
      for (let i = 0; i < 5; i++) {
        const res = await verifyCode(s, i % 2 ? 'Bomb+guess@gmail.com' : spelling, wrong(mail.code));
        // A wrong try names no row for other spellings (the live code belongs to the spelling asked for).
        expect(res.status).toBe(401);
      }
    }
    const spent = s.all(
      "SELECT count(*) AS n FROM code_failures WHERE mailbox = 'bomb@gmail.com' AND kind = 'failure'",
    )[0]!.n;
    expect(spent).toBeGreaterThanOrEqual(6);

    // Keep guessing until the budget (10) is spent, on a fresh code each time the old one dies.
    let mail = await requestMail(s, smtp, 'bomb@gmail.com');
    let tries = 0;
    while (
      Number(
        s.all("SELECT count(*) AS n FROM code_failures WHERE mailbox = 'bomb@gmail.com' AND kind = 'lock'")[0]!.n,
      ) === 0
    ) {
      if (++tries > 10) throw new Error('the budget never ran out');
      expect((await verifyCode(s, 'bomb@gmail.com', wrong(mail.code))).status).toBe(401);
    }
    expect(
      s.all("SELECT count(*) AS n FROM code_failures WHERE mailbox = 'bomb@gmail.com' AND kind = 'failure'")[0]!.n,
    ).toBe(10);

    mail = await requestMail(s, smtp, 'bomb@gmail.com');
    const refused = await verifyCode(s, 'bomb@gmail.com', mail.code);
    expect(refused.status).toBe(401);
    const error = ((await refused.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('INVALID_CODE');
    expect(error.message).toMatch(/link/);
    // The refusal used nothing up: the same message's link signs in, and clears the budget.
    expect(
      s.all(
        "SELECT consumed_at, failed_attempts FROM email_tokens WHERE consumed_at IS NULL AND email = 'bomb@gmail.com'",
      ),
    ).toEqual([{ consumed_at: null, failed_attempts: 0 }]);
    expect((await s.fetch('/auth/email/verify', { json: { token: mail.token } })).status).toBe(201);
    expect(s.all("SELECT count(*) AS n FROM code_failures WHERE mailbox = 'bomb@gmail.com'")[0]!.n).toBe(0);
    const next = await requestMail(s, smtp, 'bomb@gmail.com');
    expect((await verifyCode(s, 'bomb@gmail.com', next.code)).status).toBe(200);
  });

  it('another mailbox keeps its own budget', async () => {
    const { s, smtp } = await serve({ RATE_LIMIT_EMAILS_PER_HOUR: '20' });
    for (let round = 0; round < 2; round++) {
      const mail = await requestMail(s, smtp, 'victim@example.com');
      for (let i = 0; i < 5; i++)
        expect((await verifyCode(s, 'victim@example.com', wrong(mail.code))).status).toBe(401);
    }
    const other = await requestMail(s, smtp, 'bystander@example.com');
    expect((await verifyCode(s, 'bystander@example.com', other.code)).status).toBe(201);
    const victim = await requestMail(s, smtp, 'victim@example.com');
    expect((await verifyCode(s, 'victim@example.com', victim.code)).status).toBe(401);
  });
});

describe('2. link tokens and codes at rest', () => {
  it('a reader of email_tokens who tries all 10^6 codes of a row under SHA-256 finds none; the hashes are keyed', async () => {
    const { s, smtp } = await serve();
    const mail = await requestMail(s, smtp, 'ada@example.com');
    const [row] = s.all('SELECT id, token_hash, code_hash, hash_scheme FROM email_tokens') as {
      id: string;
      token_hash: string;
      code_hash: string;
      hash_scheme: string;
    }[];
    expect(row!.hash_scheme).toBe('hmac-v1');
    expect(row!.token_hash).not.toBe(sha256(mail.token));
    // The attack of the issue hashes every six-digit value as `<id>:<code>` and compares: it finds
    // the code exactly when the real code hashes to the stored value, which it no longer does.
    expect(sha256(`${row!.id}:${mail.code}`)).not.toBe(row!.code_hash);
    expect(row!.code_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await verifyCode(s, 'ada@example.com', mail.code)).status).toBe(201);
  });

  it('development keeps a generated key in the database across restarts; with SIGNING_KEY_SECRET nothing is stored', async () => {
    const db = liveDatabase();
    cleanups.push(() => db.remove());
    const smtp = await startSmtpCapture();
    cleanups.push(() => smtp.close());
    const mailEnv = { SMTP_URL: `smtp://127.0.0.1:${smtp.port}?ignoreTLS=true` };

    const dev = await db.start(mailEnv);
    const devMail = await requestMail(dev, smtp, 'dev@example.com');
    const [secret] = dev.all('SELECT name, value FROM server_secrets') as { name: string; value: string }[];
    expect(secret!.name).toBe('email_token_hmac_v1');
    expect(secret!.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await dev.stop();
    // A restart keeps the key: the pending link still works.
    const again = await db.start(mailEnv);
    expect((await again.fetch('/auth/email/verify', { json: { token: devMail.token } })).status).toBe(201);
    await again.stop();

    const fresh = await startLiveServer({ DATABASE_PATH: ':memory:', ...mailEnv, SIGNING_KEY_SECRET: SECRET });
    cleanups.push(() => fresh.stop());
    const mail = await requestMail(fresh, smtp, 'prod@example.com');
    expect(fresh.all('SELECT count(*) AS n FROM server_secrets')[0]!.n).toBe(0);
    expect((await verifyCode(fresh, 'prod@example.com', mail.code)).status).toBe(201);
  });

  it('a link and a code stored before the change (plain SHA-256 rows) keep working for their lifetime, then expire', async () => {
    const { s } = await serve({ MAGIC_LINK_TTL: '600' });
    const now = Date.now();
    // Exactly what the previous release wrote: SHA-256 of the token, and of `<id>:<code>`.
    const insert = (id: string, email: string, token: string, code: string, expiresAt: number) =>
      s.server.sqlite.sqlite
        .prepare(
          `INSERT INTO email_tokens (id, email, token_hash, code_hash, failed_attempts, purpose, user_id, created_at, expires_at, consumed_at, consumed_by)
           VALUES (?, ?, ?, ?, 0, 'sign_in', NULL, ?, ?, NULL, NULL)`,
        )
        .run(id, email, sha256(token), sha256(`${id}:${code}`), now - 60_000, expiresAt);
    const linkToken = 'L'.repeat(43);
    insert('row-link', 'old-link@example.com', linkToken, '111111', now + 540_000);
    insert('row-code', 'old-code@example.com', 'C'.repeat(43), '222222', now + 540_000);
    insert('row-dead', 'old-dead@example.com', 'D'.repeat(43), '333333', now - 1);
    expect(s.all('SELECT DISTINCT hash_scheme FROM email_tokens')).toEqual([{ hash_scheme: 'sha256' }]);

    // The link as it was mailed then (?token=): the page, the address, then the sign-in.
    expect((await s.fetch(`/auth/email/verify?token=${linkToken}`)).status).toBe(200);
    expect(await (await s.fetch(`/auth/email/link-info?token=${linkToken}`)).json()).toMatchObject({
      email: 'old-link@example.com',
    });
    expect((await s.fetch('/auth/email/verify', { json: { token: linkToken } })).status).toBe(201);
    expect((await verifyCode(s, 'old-code@example.com', '222223')).status).toBe(401);
    expect((await verifyCode(s, 'old-code@example.com', '222222')).status).toBe(201);
    expect((await s.fetch('/auth/email/verify', { json: { token: 'D'.repeat(43) } })).status).toBe(401);
  });
});
