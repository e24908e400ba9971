/**
 * `npm start` as a newcomer runs it: no configuration at all, data under ./data, the URL printed,
 * and a graceful stop on SIGTERM. The real entry in a child process, in an empty directory.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from './helpers/free-port.js';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
// node --import tsx (not the tsx CLI): the CLI is a second process that relays signals by asking its
// child over IPC, and under load it has given up and died of the SIGTERM itself (exit 143).
const tsxLoader = pathToFileURL(path.join(root, 'node_modules/tsx/dist/esm/index.mjs')).href;

function start(cwd: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', tsxLoader, path.join(root, 'src/entry/node.ts')], {
    cwd,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(check: () => boolean, what: () => string, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the Node entry', () => {
  it('starts with no configuration, serves /healthz and the JWKS, and stops cleanly on SIGTERM', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-start-'));
    const port = await freePort();
    // PORT only so parallel test files do not collide on 3000; everything else is default.
    const server = start(cwd, { PORT: String(port) });
    try {
      await waitFor(() => server.output().includes('Sesame is serving'), server.output);
      expect(server.output()).toContain(`Sesame is serving http://localhost:${port}`);
      expect(fs.existsSync(path.join(cwd, 'data/sesame.db'))).toBe(true);
      expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ ok: true });
      const jwks = (await (await fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`)).json()) as {
        keys: unknown[];
      };
      expect(jwks.keys).toHaveLength(1);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain('"msg":"stopping"');
      // The database was closed cleanly: the WAL was checkpointed and removed.
      expect(fs.existsSync(path.join(cwd, 'data/sesame.db-wal'))).toBe(false);
    } finally {
      server.child.kill('SIGKILL');
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('fails with a clear message when the port is taken', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-start-'));
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)),
    );
    const server = start(cwd, { PORT: String(port) });
    try {
      expect(await server.exited).toBe(1);
      expect(server.output()).toContain(`Cannot listen on 127.0.0.1:${port}: the port is in use`);
    } finally {
      blocker.close();
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('fails fast with a message naming a bad setting', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-start-'));
    const server = start(cwd, { ACCESS_TOKEN_TTL: 'soon' });
    try {
      expect(await server.exited).toBe(1);
      expect(server.output()).toMatch(/Configuration error: ACCESS_TOKEN_TTL must be a whole number/);
      expect(fs.existsSync(path.join(cwd, 'data'))).toBe(false);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('refuses to start with an app origin that cannot use RP_ID, naming the entry and RP_ID', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-start-'));
    const server = start(cwd, { APP_ORIGINS: 'http://localhost:5173,https://notes.example.net' });
    try {
      expect(await server.exited).toBe(1);
      expect(server.output()).toMatch(
        /Configuration error: APP_ORIGINS entry https:\/\/notes\.example\.net cannot use RP_ID "localhost"/,
      );
      expect(fs.existsSync(path.join(cwd, 'data'))).toBe(false);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});
