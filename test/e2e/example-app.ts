/**
 * The example application (examples/notes) as a developer would run it: the client package built
 * and packed with `npm pack`, the example copied out of the repository (so nothing resolves from
 * the repository's node_modules), its dependency pointed at that tarball, `npm install`ed, and
 * started with `node server.js` on its own origin, http://localhost:<port>.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** `npm pack` of packages/client (its prepack builds dist); returns the tarball's path. */
export async function packClient(destination: string): Promise<string> {
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', destination], {
    cwd: path.join(repo, 'packages/client'),
    timeout: 180_000,
  });
  const name = stdout.trim().split('\n').pop()!;
  const tarball = path.join(destination, name);
  if (!fs.existsSync(tarball)) throw new Error(`npm pack printed ${JSON.stringify(stdout)} but ${tarball} is missing`);
  return tarball;
}

/** A copy of examples/notes outside the repository with the tarball installed; returns its directory. */
export async function installExample(tarball: string, into: string): Promise<string> {
  const source = path.join(repo, 'examples/notes');
  const dir = path.join(into, 'notes');
  fs.mkdirSync(dir, { recursive: true });
  for (const entry of ['package.json', 'server.js', 'notes-store.js', 'public']) {
    fs.cpSync(path.join(source, entry), path.join(dir, entry), { recursive: true });
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  // The README's `npm install` after `npm pack`, with the tarball where this run packed it.
  if (!manifest.dependencies['@sesame/client']?.startsWith('file:'))
    throw new Error('examples/notes must depend on the packed @sesame/client');
  manifest.dependencies['@sesame/client'] = `file:${tarball}`;
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: dir,
    timeout: 300_000,
  });
  return dir;
}

export interface ExampleApp {
  origin: string;
  output: string[];
  stop(): Promise<void>;
}

/** Starts the installed example (`node server.js`) and waits until it answers. */
export async function startExample({
  dir,
  port,
  sesameUrl,
}: {
  dir: string;
  port: number;
  sesameUrl: string;
}): Promise<ExampleApp> {
  const output: string[] = [];
  const child: ChildProcess = spawn(process.execPath, ['server.js'], {
    cwd: dir,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      SESAME_URL: sesameUrl,
      NOTES_FILE: path.join(dir, 'data/notes.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const origin = `http://localhost:${port}`;
  const until = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the example exited (${child.exitCode}): ${output.join('')}`);
    const up = await fetch(`${origin}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > until) throw new Error(`the example did not start: ${output.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    origin,
    output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `sesame-${label}-`));
}
