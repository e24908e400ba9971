/**
 * kill -9 between a change and its webhook: the real Node entry in a child process, killed with
 * SIGKILL while its receiver is down, restarted with the receiver up. Every event committed
 * before the kill arrives, verified by `standardwebhooks`, exactly once by webhook-id.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/free-port.js';
import { startReceiver, TEST_WEBHOOK_SECRET } from './helpers/webhook-receiver.js';

const root = path.resolve(import.meta.dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-crash-hooks-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function startEntry(env: Record<string, string>) {
  // One process (tsx as an import hook, not its CLI, which would leave a grandchild alive after SIGKILL).
  const child = spawn(
    process.execPath,
    [
      '--import',
      pathToFileURL(path.join(root, 'node_modules/tsx/dist/esm/index.mjs')).href,
      path.join(root, 'src/entry/node.ts'),
    ],
    {
      cwd: dir,
      env: { PATH: process.env.PATH!, HOME: dir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  const ready = (async () => {
    const deadline = Date.now() + 30_000;
    while (!out.includes('Sesame is serving')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return { child, ready, exited, output: () => out };
}

describe('webhooks across a kill -9', () => {
  it('loses no event committed before the kill, and delivers each once by id after the restart', async () => {
    const receiver = await startReceiver({ secret: TEST_WEBHOOK_SECRET, listening: false });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      PORT: String(port),
      DATABASE_PATH: path.join(dir, 'sesame.db'),
      RATE_LIMIT_PER_MINUTE: '100000',
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    };
    const first = startEntry(env);
    await first.ready;
    const post = (p: string, body: unknown) =>
      fetch(`${base}${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    for (let i = 0; i < 3; i++) {
      const email = `crash-${i}@example.com`;
      expect((await post('/auth/email/start', { email })).status).toBe(202);
      const outbox = (await (await fetch(`${base}/dev/outbox`)).json()) as { messages: { to: string; text: string }[] };
      const code = /\b(\d{6})\b/.exec(outbox.messages.find((m) => m.to === email)!.text)![1]!;
      expect((await post('/auth/email/verify', { email, code })).status).toBe(201);
    }
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const db = new Database(env.DATABASE_PATH, { readonly: true });
    const committed = db.prepare('SELECT id, type, body, status FROM webhook_events ORDER BY created_at').all() as {
      id: string;
      type: string;
      body: string;
      status: string;
    }[];
    db.close();
    expect(committed.map((e) => e.type).sort()).toEqual([
      ...Array(3).fill('session.created'),
      ...Array(3).fill('user.created'),
    ]);
    expect(committed.every((e) => e.status !== 'delivered')).toBe(true);

    await receiver.start();
    const second = startEntry(env);
    try {
      await second.ready;
      await receiver.waitFor(() => receiver.delivered().size === committed.length, 30_000);
      // A little longer: nothing more may come.
      await new Promise((r) => setTimeout(r, 1500));
      const delivered = receiver.delivered();
      expect([...delivered.keys()].sort()).toEqual(committed.map((e) => e.id).sort());
      for (const e of committed) {
        expect(delivered.get(e.id)!.verifyError).toBeNull();
        expect(delivered.get(e.id)!.body).toBe(e.body);
      }
      expect(receiver.received.filter((r) => r.status === 204)).toHaveLength(committed.length);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
      await receiver.stop();
    }
  }, 90_000);
});
