/**
 * No Node-only module may be reachable from the Workers entry: bundle it as wrangler would
 * (esbuild, workerd conditions) and scan every input and import of the result.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const forbidden = [
  /node_modules\/better-sqlite3\//,
  /node_modules\/nodemailer\//,
  /node_modules\/@hono\/node-server\//,
  /src\/entry\/node\.ts$/,
  /src\/db\/better-sqlite3\.ts$/,
  /src\/mail\/smtp\.ts$/,
];

async function bundle(entry: string) {
  const result = await build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*'],
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
  return { inputs, imports };
}

describe('the Workers bundle', () => {
  it('pulls in no Node-only module', async () => {
    const { inputs, imports } = await bundle('src/entry/worker.ts');
    expect(inputs.some((i) => i.endsWith('src/app.ts'))).toBe(true);
    for (const input of inputs)
      for (const bad of forbidden) expect(input, `reachable from the worker: ${input}`).not.toMatch(bad);
    expect(imports.filter((i) => !i.startsWith('cloudflare:'))).toEqual([]);
  });

  it('would catch a Node-only import (the check can fail)', async () => {
    await expect(bundle('src/entry/node.ts')).rejects.toThrow();
  });
});
