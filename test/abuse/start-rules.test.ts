/**
 * Issue 14, items 5, 8 and 9: what the service refuses at start, over HTTP against the real server
 * (startNodeServer on a temp SQLite file) and, for the outbox, the Worker (`npm run dev:worker`).
 *
 * 5. The development outbox answers only outside production and behind a loopback PUBLIC_URL;
 *    a non-loopback PUBLIC_URL without a mail transport does not start; environment names are
 *    compared without case; wrangler.toml keeps development settings in its `dev` environment.
 * 8. A development database started in production stops using (and publishing) its unsealed key;
 *    a wrong SIGNING_KEY_SECRET is a clear start error.
 * 9. In production SMTP runs over TLS unless SMTP_ALLOW_PLAINTEXT (logged) says otherwise.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';
import { liveDatabase, startLiveServer, type LiveDatabase, type LiveServer } from '../helpers/live-server.js';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp-capture.js';
import { startDevWorker, type DevWorker } from '../helpers/dev-worker.js';
import { ConfigError } from '../../src/lib/config.js';

const SECRET = 'correct horse battery staple, 32+ characters';
const PUBLIC_URL = 'https://auth.example.test';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function smtp(): Promise<SmtpCapture> {
  const s = await startSmtpCapture();
  cleanups.push(() => s.close());
  return s;
}
async function live(start: Promise<LiveServer>): Promise<LiveServer> {
  const s = await start;
  cleanups.push(() => s.stop());
  return s;
}
function database(): LiveDatabase {
  const d = liveDatabase();
  cleanups.push(() => d.remove());
  return d;
}

describe('5. the development outbox', () => {
  it('answers with a loopback PUBLIC_URL in development, and 404 once NODE_ENV says Production in any case', async () => {
    const dev = await live(startLiveServer({ DATABASE_PATH: ':memory:' }));
    expect((await dev.fetch('/auth/email/start', { json: { email: 'ada@example.com' } })).status).toBe(202);
    const listed = await dev.fetch('/dev/outbox');
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { messages: unknown[] }).messages).toHaveLength(1);

    const capture = await smtp();
    for (const NODE_ENV of ['Production', 'PRODUCTION', ' production ']) {
      const prod = await live(
        startLiveServer({
          DATABASE_PATH: ':memory:',
          NODE_ENV,
          PUBLIC_URL,
          SIGNING_KEY_SECRET: SECRET,
          SMTP_URL: `smtp://127.0.0.1:${capture.port}`,
          SMTP_ALLOW_PLAINTEXT: 'true',
        }),
      );
      expect(prod.config.production, NODE_ENV).toBe(true);
      expect((await prod.fetch('/dev/outbox')).status, NODE_ENV).toBe(404);
    }
  });

  it('does not start with a PUBLIC_URL that is not loopback and no mail transport, whatever NODE_ENV says', async () => {
    const envs: Record<string, string>[] = [
      { PUBLIC_URL },
      { PUBLIC_URL: 'http://auth.example.test' },
      { PUBLIC_URL: 'http://192.0.2.10:3000', NODE_ENV: 'development' },
    ];
    for (const env of envs) {
      const started = startLiveServer({ DATABASE_PATH: ':memory:', ...env });
      await expect(started, JSON.stringify(env)).rejects.toThrow(ConfigError);
      await expect(started).rejects.toThrow(/SMTP_URL is required when PUBLIC_URL .* is not a loopback origin/);
    }
    // With a transport the same PUBLIC_URL starts, and still never serves an outbox.
    const capture = await smtp();
    const s = await live(
      startLiveServer({ DATABASE_PATH: ':memory:', PUBLIC_URL, SMTP_URL: `smtp://127.0.0.1:${capture.port}` }),
    );
    expect((await s.fetch('/dev/outbox')).status).toBe(404);
  });

  it('wrangler.toml: the default environment is production; development settings live in [env.dev]', () => {
    const configPath = path.resolve(import.meta.dirname, '../../wrangler.toml');
    const deployed = unstable_readConfig({ config: configPath });
    expect(deployed.vars.ENVIRONMENT).toBe('production');
    const dev = unstable_readConfig({ config: configPath, env: 'dev' });
    expect(dev.vars.ENVIRONMENT).toBe('development');
    expect(dev.d1_databases.map((d: { binding: string }) => d.binding)).toEqual(['DB']);
  });

  it('on the Worker (npm run dev:worker): a non-loopback PUBLIC_URL with no mail transport serves nothing, the outbox least of all', async () => {
    const worker: DevWorker = await startDevWorker({ PUBLIC_URL });
    cleanups.push(() => worker.stop());
    const outbox = await fetch(`${worker.base}/dev/outbox`);
    expect(outbox.status).toBe(500);
    const body = await outbox.text();
    expect(body).not.toContain('messages');
    expect(JSON.parse(body)).toEqual({ error: { code: 'INTERNAL', message: 'The service is misconfigured' } });
    expect(outbox.headers.get('x-content-type-options')).toBe('nosniff');
    // wrangler relays the Worker's console a moment later.
    for (let i = 0; i < 50 && !/is not a loopback origin/.test(worker.output()); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(worker.output()).toMatch(/PUBLIC_URL \(https:\/\/auth\.example\.test\) is not a loopback origin/);
  }, 150_000);
});

describe('8. signing keys from a development database in production', () => {
  async function signIn(s: LiveServer, capture: SmtpCapture, email: string) {
    const before = capture.received.length;
    expect((await s.fetch('/auth/email/start', { json: { email } })).status).toBe(202);
    const [mail] = (await capture.waitFor(before + 1)).slice(before);
    const res = await s.fetch('/auth/email/verify', { json: { email, code: mail!.code } });
    expect(res.status).toBeLessThan(300);
    return ((await res.json()) as { accessToken: string }).accessToken;
  }
  const kids = async (s: LiveServer) =>
    ((await (await s.fetch('/.well-known/jwks.json')).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

  it('retires and wipes the unsealed key at a production start: out of the JWKS, its tokens refused, a sealed key signs', async () => {
    const db = database();
    const capture = await smtp();
    const mail = { SMTP_URL: `smtp://127.0.0.1:${capture.port}`, PUBLIC_URL };
    const dev = await db.start(mail);
    const devToken = await signIn(dev, capture, 'ada@example.com');
    const [devKid] = await kids(dev);
    expect(dev.all('SELECT private_jwk FROM signing_keys')[0]!.private_jwk).toMatch(/^plain:/);
    expect((await dev.fetch('/api/me', { headers: { authorization: `Bearer ${devToken}` } })).status).toBe(200);
    await dev.stop();

    const prod = await live(
      db.start({ ...mail, NODE_ENV: 'production', SIGNING_KEY_SECRET: SECRET, SMTP_ALLOW_PLAINTEXT: 'true' }),
    );
    const published = await kids(prod);
    expect(published).toHaveLength(1);
    expect(published).not.toContain(devKid);
    const rows = prod.all('SELECT kid, private_jwk, retired_at FROM signing_keys ORDER BY created_at');
    expect(rows.map((r) => String(r.private_jwk).split(':')[0])).toEqual(['wiped', 'sealed']);
    expect(rows[0]!.retired_at).not.toBeNull();
    expect(JSON.stringify(rows)).not.toContain('"d"');
    // A key that sat in clear may have been copied: what it signed is refused at once.
    expect((await prod.fetch('/api/me', { headers: { authorization: `Bearer ${devToken}` } })).status).toBe(401);
    const prodToken = await signIn(prod, capture, 'ada@example.com');
    expect((await prod.fetch('/api/me', { headers: { authorization: `Bearer ${prodToken}` } })).status).toBe(200);
    expect(
      prod.all("SELECT count(*) AS n FROM audit_events WHERE type = 'key.rotated' AND detail LIKE '%unsealed%'")[0]!.n,
    ).toBe(1);
  });

  it('a wrong or missing SIGNING_KEY_SECRET is a clear start error naming the setting, and changes nothing', async () => {
    const db = database();
    const capture = await smtp();
    const env = { SMTP_URL: `smtp://127.0.0.1:${capture.port}`, PUBLIC_URL, SIGNING_KEY_SECRET: SECRET };
    const first = await db.start(env);
    const [kid] = await kids(first);
    await first.stop();
    for (const wrong of [
      { ...env, SIGNING_KEY_SECRET: 'a different secret of 32 or more chars' },
      { ...env, SIGNING_KEY_SECRET: '' },
    ]) {
      const started = db.start(wrong);
      await expect(started).rejects.toThrow(ConfigError);
      await expect(started).rejects.toThrow(`SIGNING_KEY_SECRET does not open the active signing key (kid ${kid})`);
    }
    const again = await live(db.start(env));
    expect(await kids(again)).toEqual([kid]);
  });
});

describe('9. mail over TLS in production', () => {
  const prodEnv = { DATABASE_PATH: ':memory:', NODE_ENV: 'production', PUBLIC_URL, SIGNING_KEY_SECRET: SECRET };

  it('an smtp:// server that offers no STARTTLS gets no message: links and codes never travel in clear', async () => {
    const capture = await smtp(); // STARTTLS disabled
    const s = await live(startLiveServer({ ...prodEnv, SMTP_URL: `smtp://127.0.0.1:${capture.port}` }));
    expect((await s.fetch('/auth/email/start', { json: { email: 'ada@example.com' } })).status).toBe(202);
    const deadline = Date.now() + 5000;
    let row: Record<string, unknown> | undefined;
    while (Date.now() < deadline) {
      row = s.all('SELECT status, last_error FROM mail_queue')[0];
      if (row?.last_error) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(['pending', 'failed']).toContain(row!.status);
    expect(String(row!.last_error)).toMatch(/STARTTLS|TLS/i);
    expect(capture.received).toHaveLength(0);
  });

  it('ignoreTLS=true does not start in production without SMTP_ALLOW_PLAINTEXT', async () => {
    const capture = await smtp();
    const started = startLiveServer({ ...prodEnv, SMTP_URL: `smtp://127.0.0.1:${capture.port}?ignoreTLS=true` });
    await expect(started).rejects.toThrow(ConfigError);
    await expect(started).rejects.toThrow(/SMTP_ALLOW_PLAINTEXT/);
  });

  it('SMTP_ALLOW_PLAINTEXT=true is the explicit opt-out: mail goes, and every start says so in a warning', async () => {
    const capture = await smtp();
    const s = await live(
      startLiveServer({
        ...prodEnv,
        SMTP_URL: `smtp://127.0.0.1:${capture.port}?ignoreTLS=true`,
        SMTP_ALLOW_PLAINTEXT: 'true',
      }),
    );
    expect(s.logs.find((l) => l.level === 'warn' && /SMTP_ALLOW_PLAINTEXT/.test(l.msg))).toBeDefined();
    expect((await s.fetch('/auth/email/start', { json: { email: 'ada@example.com' } })).status).toBe(202);
    await capture.waitFor(1);
    expect(capture.received[0]!.rcptTo).toEqual(['ada@example.com']);
  });
});
