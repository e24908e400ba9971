/**
 * A real listening Node server (startNodeServer) on a temp SQLite file, with the CLI of the same
 * checkout run against that file, and the email sign-in driven over HTTP through the dev outbox.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseConfig } from '../../src/lib/config.js';
import { startNodeServer, type NodeServer } from '../../src/entry/node-server.js';
import { silentLogger, type Logger } from '../../src/lib/log.js';
import { freePort } from './free-port.js';

const root = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

export interface TestServer {
  server: NodeServer;
  base: string;
  dir: string;
  env: Record<string, string>;
  /** Runs `npm run <script> -- ...args` against this server's database; resolves with stdout. */
  cli(script: string, ...args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** The key an `admin:key create` printed on its last line. */
  createAdminKey(name: string, scopes?: string): Promise<string>;
  fetch(p: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>;
  signInByEmail(
    email: string,
  ): Promise<{ status: number; accessToken: string; refresh: string; userId: string; headers: Headers }>;
  close(): Promise<void>;
}

export async function startTestServer({
  env = {},
  dir: given,
  logger = silentLogger,
  clock,
}: {
  env?: Record<string, string>;
  dir?: string;
  logger?: Logger;
  clock?: () => number;
} = {}): Promise<TestServer> {
  const dir = given ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-srv-'));
  const port = await freePort();
  const fullEnv: Record<string, string> = {
    DATABASE_PATH: path.join(dir, 'sesame.db'),
    PORT: String(port),
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_EMAILS_PER_HOUR: '1000',
    ...env,
  };
  const server = await startNodeServer({ config: parseConfig(fullEnv), logger, ...(clock ? { clock } : {}) });
  const base = `http://127.0.0.1:${server.port}`;

  const cli = (script: string, ...args: string[]) =>
    run('npm', ['run', '-s', script, '--', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? dir, ...fullEnv },
    });

  const doFetch = (
    p: string,
    { token, json, headers, ...init }: RequestInit & { token?: string; json?: unknown } = {},
  ) => {
    const h = new Headers(headers);
    if (token) h.set('authorization', `Bearer ${token}`);
    if (json !== undefined) h.set('content-type', 'application/json');
    return fetch(`${base}${p}`, { ...init, headers: h, body: json !== undefined ? JSON.stringify(json) : init.body });
  };

  async function signInByEmail(email: string) {
    const started = await doFetch('/auth/email/start', { method: 'POST', json: { email } });
    if (started.status !== 202) throw new Error(`email/start answered ${started.status}`);
    let text: string | undefined;
    for (let i = 0; i < 50 && !text; i++) {
      const outbox = (await (await doFetch('/dev/outbox')).json()) as { messages: { to: string; text: string }[] };
      text = outbox.messages.find((m) => m.to === email.toLowerCase())?.text;
      if (!text) await new Promise((r) => setTimeout(r, 50));
    }
    const code = /\b(\d{6})\b/.exec(text ?? '')?.[1];
    if (!code) throw new Error(`no sign-in mail for ${email}`);
    const res = await doFetch('/auth/email/verify', { method: 'POST', json: { email, code } });
    const body = (await res.json()) as { accessToken: string; user: { id: string } };
    const refresh = /__Host-sesame_refresh=([^;]*)/.exec(res.headers.getSetCookie().join('\n'))?.[1] ?? '';
    return { status: res.status, accessToken: body.accessToken, refresh, userId: body.user?.id, headers: res.headers };
  }

  return {
    server,
    base,
    dir,
    env: fullEnv,
    cli,
    async createAdminKey(name, scopes) {
      const { stdout } = await cli('admin:key', 'create', '--name', name, ...(scopes ? ['--scopes', scopes] : []));
      return stdout.trim().split('\n').at(-1)!;
    },
    fetch: doFetch,
    signInByEmail,
    async close() {
      await server.stop();
      if (!given) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
