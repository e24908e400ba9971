/**
 * `npm run dev:worker -- --state DIR` as a developer runs it: wrangler dev (offline, the `dev`
 * environment of wrangler.toml) on free loopback ports, with a fresh state directory, so the
 * local D1 starts empty. Stopped by process group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface DevWorker {
  base: string;
  publicUrl: string;
  port: number;
  /** The `--state` directory: the local D1 and everything else wrangler keeps. */
  state: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts the Worker and waits until it answers any HTTP request (a misconfigured one answers 500). */
export async function startDevWorker(
  env: Record<string, string> = {},
  { timeoutMs = 110_000 } = {},
): Promise<DevWorker> {
  const [port, inspector] = [await freePort(), await freePort()];
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-worker-state-'));
  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${port}`;
  let out = '';
  const child: ChildProcess = spawn(process.execPath, ['scripts/dev-worker.mjs', '--state', state], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port), INSPECTOR_PORT: String(inspector), PUBLIC_URL: publicUrl, ...env },
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
        await new Promise((r) => setTimeout(r, 1000));
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    fs.rmSync(state, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(`${base}/healthz`);
      break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev did not start:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { base, publicUrl, port, state, output: () => out, stop };
}
