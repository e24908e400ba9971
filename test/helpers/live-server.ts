/**
 * The real Node server (startNodeServer: the same entry `npm start` uses, minus process wiring) on
 * 127.0.0.1 and a free port, over a temp-file SQLite database, driven over HTTP with fetch or raw
 * sockets. Restartable on the same file, so a test can change the settings between two starts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig, type Config } from '../../src/lib/config.js';
import { startNodeServer, type NodeServer } from '../../src/entry/node-server.js';
import type { Logger, LogFields, LogLevel } from '../../src/lib/log.js';

export interface LiveServer {
  /** http://127.0.0.1:<port>: where requests go (PUBLIC_URL may differ). */
  base: string;
  server: NodeServer;
  config: Config;
  logs: { level: LogLevel; msg: string; fields: LogFields }[];
  /** Raw SQL on the server's database file. */
  all(sql: string, ...params: unknown[]): Record<string, unknown>[];
  fetch(pathname: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  stop(): Promise<void>;
}

export interface LiveDatabase {
  dir: string;
  file: string;
  /** Starts the real server on this file with `env` (DATABASE_PATH, HOST and PORT are set here). */
  start(env?: Record<string, string>): Promise<LiveServer>;
  remove(): void;
}

export function liveDatabase(): LiveDatabase {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-live-'));
  const file = path.join(dir, 'sesame.db');
  return {
    dir,
    file,
    start: (env = {}) => startLiveServer({ ...env, DATABASE_PATH: file }),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export async function startLiveServer(
  env: Record<string, string>,
  { clock }: { clock?: () => number } = {},
): Promise<LiveServer> {
  const config = parseConfig({ HOST: '127.0.0.1', PORT: '0', RATE_LIMIT_PER_MINUTE: '100000', ...env });
  const logs: LiveServer['logs'] = [];
  const logger: Logger = { log: (level, msg, fields = {}) => void logs.push({ level, msg, fields }) };
  const server = await startNodeServer({ config, logger, clock });
  const base = `http://127.0.0.1:${server.port}`;
  return {
    base,
    server,
    config,
    logs,
    all: (q, ...params) => server.sqlite.sqlite.prepare(q).all(...params) as Record<string, unknown>[],
    fetch(pathname, { json, ...init } = {}) {
      const headers = new Headers(init.headers);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${base}${pathname}`, {
        ...init,
        method: init.method ?? (json !== undefined ? 'POST' : 'GET'),
        headers,
        body: json !== undefined ? JSON.stringify(json) : init.body,
      });
    },
    stop: () => server.stop(),
  };
}
