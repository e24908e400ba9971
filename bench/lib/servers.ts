/**
 * Child-process servers: each target runs in its own process (so the load generator never shares
 * its event loop), bound to 127.0.0.1 on a free port, with its output in a log file. CPU time is
 * read from /proc/<pid>/stat.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT_DIR } from './paths.js';

export interface RunningServer {
  name: string;
  pid: number;
  url: string;
  port: number;
  logFile: string;
  child: ChildProcess;
  /** user + system CPU of the server process so far, milliseconds. */
  cpuMs(): number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

let clockTicks: number | null = null;
function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export function processCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / ticksPerSecond();
}

/** CPU of a process and all its descendants (the multi-process mode's workers), from /proc. */
export function processTreeCpuMs(pid: number): number {
  let total = 0;
  const seen = new Set<number>();
  const walk = (p: number) => {
    if (seen.has(p)) return;
    seen.add(p);
    try {
      total += processCpuMs(p);
    } catch {
      return; // exited meanwhile
    }
    let children: string[] = [];
    try {
      children = fs
        .readdirSync(`/proc/${p}/task`)
        .flatMap((tid) => fs.readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').trim().split(/\s+/))
        .filter(Boolean);
    } catch {
      /* no children file */
    }
    for (const c of children) walk(Number(c));
  };
  walk(pid);
  return total;
}

export class ServerStartError extends Error {}

/**
 * Starts `node --import tsx <script>` (cwd: the repository root) and waits until GET /healthz
 * answers 200. Throws ServerStartError (with the log's tail) if it exits or is not up in time.
 */
export async function startServer({
  name,
  script,
  env,
  logDir,
  port,
  timeoutMs = 60_000,
  nodeArgs = [],
  cwd = ROOT_DIR,
}: {
  name: string;
  script: string;
  env: Record<string, string>;
  logDir: string;
  port: number;
  timeoutMs?: number;
  nodeArgs?: string[];
  /** Working directory (the checkout whose node_modules has tsx); the repository root by default. */
  cwd?: string;
}): Promise<RunningServer> {
  const logFile = path.join(logDir, `${name}.log`);
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    cwd,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const tail = () => fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited)
      throw new ServerStartError(`${name} exited during start (${JSON.stringify(exited)}). Log tail:\n${tail()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new ServerStartError(`${name} did not answer /healthz within ${timeoutMs} ms. Log tail:\n${tail()}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid!;
  return {
    name,
    pid,
    url,
    port,
    logFile,
    child,
    cpuMs: () => processTreeCpuMs(pid),
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(killer);
    },
  };
}

/** Runs a script to completion (e.g. a migrate-only start); throws with its output on failure. */
export function runScript(script: string, env: Record<string, string>): string {
  try {
    return execFileSync(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT_DIR,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new ServerStartError(`${script} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}
