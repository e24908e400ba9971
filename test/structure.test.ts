/**
 * The shape of src/ (README "Layout"), checked on every run:
 * - imports only go down the layers below (a folder never imports from a higher one), so the floor
 *   (lib/) imports nothing of ours, and auth/ and mail/ cannot import each other both ways;
 * - only src/entry/* know which runtime they run on, and nothing outside them keeps module-level
 *   mutable state (no installed globals: runtime differences come in deps);
 * - a source file over 300 lines says at its top why it is long.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../src');

/** Lower first. A folder (or root file) of src/ must be listed here to exist. */
const LAYERS: string[][] = [
  ['lib'],
  ['db'],
  ['metrics'],
  ['audit'],
  ['i18n'],
  ['mail'],
  ['auth'],
  ['admin', 'webhooks'],
  ['http'],
  ['views'],
  ['routes'],
  ['app.ts'],
  ['entry'],
];

const layerOf = (file: string): number => {
  const top = path.relative(SRC, file).split(path.sep)[0]!;
  const i = LAYERS.findIndex((names) => names.includes(top));
  if (i < 0) throw new Error(`src/${top} has no layer: add it to LAYERS in test/structure.test.ts`);
  return i;
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const files = sourceFiles(SRC);
const production = files.filter((f) => !/\.test\.tsx?$/.test(f) && !f.includes('generated'));
const importsOf = (file: string): string[] =>
  [
    ...fs.readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g),
  ].map((m) => path.resolve(path.dirname(file), m[1]!).replace(/\.js$/, '.ts'));

/** Every line of `files` that matches `pattern`, as "file:line: text" (relative to src/). */
const linesMatching = (files: string[], pattern: RegExp): string[] =>
  files.flatMap((f) =>
    fs
      .readFileSync(f, 'utf8')
      .split('\n')
      .flatMap((line, i) => (pattern.test(line) ? [`${path.relative(SRC, f)}:${i + 1}: ${line.trim()}`] : [])),
  );

describe('layout of src/', () => {
  it('every import goes to the same layer or a lower one', () => {
    const upward = production.flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith(SRC + path.sep) && layerOf(target) > layerOf(file))
        .map((target) => `${path.relative(SRC, file)} -> ${path.relative(SRC, target)}`),
    );
    expect(upward).toEqual([]);
  });

  it('the floor (lib/) imports nothing of ours but itself', () => {
    const lib = path.join(SRC, 'lib');
    const out = production
      .filter((f) => f.startsWith(lib + path.sep))
      .flatMap((f) =>
        importsOf(f)
          .filter((t) => !t.startsWith(lib + path.sep))
          .map((t) => `${path.relative(SRC, f)} -> ${path.relative(SRC, t)}`),
      );
    expect(out).toEqual([]);
  });

  it('only the entries know the runtime', () => {
    const entry = path.join(SRC, 'entry');
    const knowing = production
      .filter((f) => !f.startsWith(entry + path.sep))
      .filter((f) =>
        /\bruntime\s*===|\.runtime\b|executionCtx|process\.versions|typeof\s+(?:process|navigator|WebSocketPair|caches)\b/.test(
          fs.readFileSync(f, 'utf8'),
        ),
      )
      .map((f) => path.relative(SRC, f));
    expect(knowing).toEqual([]);
  });

  it('no module-level mutable state outside the entries: what differs is passed in deps', () => {
    const entry = path.join(SRC, 'entry');
    const globals = linesMatching(
      production.filter((f) => !f.startsWith(entry + path.sep)),
      /^(?:export\s+)?(?:let|var)\s/,
    );
    expect(globals).toEqual([]);
  });

  it('context variables are read with c.get(name): hono builds a new object from all of them on every c.var read', () => {
    expect(linesMatching(production, /\bc\.var\b/)).toEqual([]);
  });

  it('a file over 300 lines says at its top why', () => {
    const long = production
      .map((f) => ({ f, text: fs.readFileSync(f, 'utf8') }))
      .filter(({ text }) => text.split('\n').length > 300 && !/^\/\*\*(?:(?!\*\/)[\s\S])*Long file:/.test(text))
      .map(({ f, text }) => `${path.relative(SRC, f)} (${text.split('\n').length} lines)`);
    expect(long).toEqual([]);
  });
});
