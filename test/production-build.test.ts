/**
 * The production build: `tsc -p tsconfig.build.json` (what `npm run build` runs before the front
 * end) emits JavaScript, and plain `node <out>/entry/node.js` (no tsx, no loader: Node 20 cannot run
 * TypeScript by itself) serves the whole product with NODE_ENV=production, mail over real SMTP.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/free-port.js';
import { startSmtpCapture } from './helpers/smtp-capture.js';

const root = path.resolve(import.meta.dirname, '..');
// Same depth as dist/, so the build finds drizzle/ and web/dist/ as it would from there.
const outDir = path.join(root, `.dist-test-${process.pid}`);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-prod-'));

beforeAll(async () => {
  await promisify(execFile)(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir],
    { cwd: root },
  );
}, 300_000);
afterAll(() => {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the production build', () => {
  it('emits JavaScript that plain node runs in production: health, pages, sign-in by mailed code, clean stop', async () => {
    expect(fs.existsSync(path.join(outDir, 'entry/node.js'))).toBe(true);
    expect(fs.readdirSync(path.join(outDir, 'routes')).every((f) => f.endsWith('.js') || f.endsWith('.js.map'))).toBe(
      true,
    );

    const smtp = await startSmtpCapture();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [path.join(outDir, 'entry/node.js')], {
      cwd: dataDir,
      env: {
        PATH: process.env.PATH!,
        NODE_ENV: 'production',
        PORT: String(port),
        PUBLIC_URL: `http://localhost:${port}`,
        DATABASE_PATH: path.join(dataDir, 'sesame.db'),
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}?ignoreTLS=true`,
        // The local sink speaks no TLS; production refuses plaintext SMTP without this explicit opt-out.
        SMTP_ALLOW_PLAINTEXT: 'true',
        MAIL_FROM: 'Sesame <no-reply@example.com>',
        SIGNING_KEY_SECRET: 'a-production-secret-of-at-least-32-characters',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!out.includes('Sesame is serving')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`did not start: ${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="app"');
      // Production: no development outbox.
      expect((await fetch(`${base}/dev/outbox`)).status).toBe(404);

      const post = (p: string, body: unknown) =>
        fetch(`${base}${p}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await post('/auth/email/start', { email: 'prod@example.com' })).status).toBe(202);
      const [mail] = await smtp.waitFor(1, 20_000);
      const verified = await post('/auth/email/verify', { email: 'prod@example.com', code: mail!.code });
      expect(verified.status).toBe(201);
      const { accessToken } = (await verified.json()) as { accessToken: string };
      expect((await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(200);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await smtp.close();
    }
  }, 120_000);
});
