/**
 * One bounded autocannon run against a server in another process, with per-connection request
 * building: each connection gets its own slot (its session, its refresh chain, its passkey), so
 * state such as a rotating cookie follows that connection from response to next request.
 */
import { loadAutocannon, type AutocannonRequest } from './bench-deps.js';
import type { RunningServer } from './servers.js';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Connection {
  /** The next request of this connection, or null when its prepared pool is used up. */
  next(): LoadRequest | null;
  /** Sees every response; returns false when the response is not the expected success. */
  onResponse(status: number, body: string, headers: Record<string, string | string[]>): boolean;
}

export interface Driver {
  connection(slot: number): Connection;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  non2xx: number;
  /** Responses the driver refused (non-2xx, or a 2xx without what the operation must return). */
  failed: number;
  errors: number;
  timeouts: number;
  elapsedSec: number;
  serverCpuMs: number;
  cpuMsPerRequest: number;
  /** The prepared pool ran out before the duration; the run stopped early. */
  exhausted: boolean;
}

const PLACEHOLDER: AutocannonRequest = { method: 'GET', path: '/healthz' };

export async function runLoad({
  server,
  driver,
  connections,
  durationSec,
}: {
  server: RunningServer;
  driver: Driver;
  connections: number;
  durationSec: number;
}): Promise<LoadResult> {
  const autocannon = await loadAutocannon();
  let slot = 0;
  let exhausted = false;
  let responses = 0;
  let failed = 0;
  let stop: () => void = () => {};
  const cpuBefore = server.cpuMs();
  const started = performance.now();
  const instance = autocannon({
    url: server.url,
    connections,
    duration: durationSec,
    pipelining: 1,
    timeout: 10,
    requests: [PLACEHOLDER],
    setupClient(client) {
      const conn = driver.connection(slot++);
      client.setRequests([
        {
          setupRequest(req) {
            const next = exhausted ? null : conn.next();
            if (!next) {
              // autocannon cannot skip a connection's only request: stop the whole run instead.
              if (!exhausted) {
                exhausted = true;
                setImmediate(() => stop());
              }
              return { ...req, ...PLACEHOLDER, headers: {}, body: undefined };
            }
            // A fresh headers object: autocannon writes Content-Length into the one it is given.
            return { ...req, method: next.method, path: next.path, headers: { ...next.headers }, body: next.body };
          },
          onResponse(status, body, _context, headers) {
            if (exhausted && status === 200 && body === '{"ok":true}') return;
            responses++;
            if (!conn.onResponse(status, body, headers)) failed++;
          },
        },
      ]);
    },
  });
  stop = () => instance.stop();
  const result = await instance;
  const elapsedSec = (performance.now() - started) / 1000;
  const serverCpuMs = server.cpuMs() - cpuBefore;
  return {
    requests: responses,
    rps: responses / elapsedSec,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.mean,
    non2xx: result.non2xx,
    failed,
    errors: result.errors,
    timeouts: result.timeouts,
    elapsedSec,
    serverCpuMs,
    cpuMsPerRequest: responses > 0 ? serverCpuMs / responses : NaN,
    exhausted,
  };
}

/** Header lookup that ignores case (autocannon hands raw header names). */
export function header(headers: Record<string, string | string[]>, name: string): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) out.push(...(Array.isArray(v) ? v : [v]));
  return out;
}
