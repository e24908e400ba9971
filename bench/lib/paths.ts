/** Where things are, and importing the root project's copy of a package the bench also has. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT_DIR = path.resolve(BENCH_DIR, '..');

/**
 * bench/node_modules holds better-auth's own @simplewebauthn/server (13); the floor must use the
 * root's (the version Sesame runs), so it is imported from the root's node_modules explicitly.
 */
export async function importFromRoot<T>(pkg: string): Promise<T> {
  const dir = path.join(ROOT_DIR, 'node_modules', pkg);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    exports?: Record<string, string | { import?: string; default?: string }>;
    module?: string;
    main?: string;
  };
  const dot = manifest.exports?.['.'];
  const entry =
    typeof dot === 'string' ? dot : (dot?.import ?? dot?.default ?? manifest.module ?? manifest.main ?? 'index.js');
  return (await import(pathToFileURL(path.join(dir, entry)).href)) as T;
}
