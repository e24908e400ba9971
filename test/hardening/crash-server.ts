/**
 * The real server as a child process for the crash suite: `node --import tsx src/entry/node.ts`
 * on 127.0.0.1, a plain HTTP client (one connection per request, so a killed server never leaves a
 * stale keep-alive socket behind), and a free loopback port (test/helpers/free-port.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export { freePort } from '../helpers/free-port.js';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** One request on its own connection; rejects on a connection error or after `timeoutMs`. */
export function httpRequest(
  port: number,
  pathname: string,
  {
    method = 'GET',
    body,
    cookie,
    timeoutMs = 10_000,
  }: { method?: string; body?: unknown; cookie?: string; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = {};
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    if (cookie) headers.cookie = `__Host-sesame_refresh=${cookie}`;
    const req = http.request(
      { host: '127.0.0.1', port, path: pathname, method, headers, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('response aborted')));
        res.on('end', () => {
          // A connection killed mid-body is a lost answer, not a received one.
          if (!res.complete) return reject(new Error('incomplete response'));
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            /* keep text */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

export function refreshCookieOf(answer: HttpAnswer): string | null {
  for (const line of answer.headers['set-cookie'] ?? []) {
    const m = /^__Host-sesame_refresh=([^;]*)/.exec(line);
    if (m) return m[1] || null;
  }
  return null;
}

export interface ChildServer {
  child: ChildProcess;
  port: number;
  /** The last lines it printed (diagnostics only). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the server and resolves once GET /healthz answers 200. */
export async function startServer({
  port,
  env,
  readyTimeoutMs = 30_000,
}: {
  port: number;
  env: Record<string, string>;
  readyTimeoutMs?: number;
}): Promise<ChildServer> {
  // A clean environment: nothing from the outer shell (SMTP_URL, NODE_ENV=production, ...) leaks in.
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    PORT: String(port),
    HOST: '127.0.0.1',
    ...env,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/entry/node.ts'], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => void (tail = (tail + chunk.toString('utf8')).slice(-8000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (gone) throw new Error(`the server exited before it was ready:\n${tail}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not ready within ${readyTimeoutMs} ms:\n${tail}`);
    }
    try {
      if ((await httpRequest(port, '/healthz', { timeoutMs: 1000 })).status === 200) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, port, output: () => tail, exited };
}

/** kill -9, and wait until the process is gone. */
export async function killHard(server: ChildServer): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  await server.exited;
}
