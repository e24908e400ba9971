/**
 * A real Sesame for the package's tests: the repository's Node server (startNodeServer) on
 * 127.0.0.1 with a temp-file SQLite database and the development outbox, reached as
 * http://localhost:<port> (its PUBLIC_URL). Sign-ins go through its HTTP API like any client's.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../../src/lib/config.js';
import { startNodeServer, type NodeServer } from '../../../src/entry/node-server.js';
import { silentLogger } from '../../../src/lib/log.js';
import { freePort } from '../../../test/helpers/free-port.js';

export interface TestSesame {
  /** http://localhost:<port>: PUBLIC_URL, the tokens' issuer and (by default) audience. */
  origin: string;
  server: NodeServer;
  /** The link token and code of the newest message to `email` in the development outbox. */
  lastMail(email: string): Promise<{ token: string; code: string }>;
  /** Signs `email` in by an emailed link through the HTTP API; returns the session response and its refresh cookie. */
  signIn(email: string): Promise<{ accessToken: string; cookie: string; user: { id: string; email: string } }>;
  /** Moves the server's clock (not this process's) `ms` forward; it never goes back (rate-limit state would break). */
  advanceClock(ms: number): void;
  close(): Promise<void>;
}

export async function startTestSesame(env: Record<string, string> = {}): Promise<TestSesame> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-client-'));
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const config = parseConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: origin,
    DATABASE_PATH: path.join(dir, 'sesame.db'),
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_EMAILS_PER_HOUR: '1000',
    ...env,
  });
  let offset = 0;
  const server = await startNodeServer({ config, logger: silentLogger, clock: () => Date.now() + offset });

  async function lastMail(email: string) {
    const { messages } = (await (await fetch(`${origin}/dev/outbox`)).json()) as {
      messages: { to: string; text: string }[];
    };
    const text = messages.find((m) => m.to === email)?.text;
    if (!text) throw new Error(`no mail to ${email} in the outbox`);
    return { token: /token=([A-Za-z0-9_-]+)/.exec(text)![1]!, code: /\b(\d{6})\b/.exec(text)![1]! };
  }

  return {
    origin,
    server,
    lastMail,
    async signIn(email) {
      const json = { 'Content-Type': 'application/json' };
      const start = await fetch(`${origin}/auth/email/start`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ email }),
      });
      if (start.status !== 202) throw new Error(`email start answered ${start.status}`);
      const { token } = await lastMail(email);
      const verify = await fetch(`${origin}/auth/email/verify`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ token }),
      });
      if (!verify.ok) throw new Error(`email verify answered ${verify.status}`);
      const cookie = /__Host-sesame_refresh=([^;]+)/.exec(verify.headers.get('set-cookie') ?? '')![1]!;
      const body = (await verify.json()) as { accessToken: string; user: { id: string; email: string } };
      return { accessToken: body.accessToken, cookie, user: body.user };
    },
    advanceClock(ms) {
      offset += ms;
    },
    async close() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
