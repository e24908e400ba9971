/**
 * Unit tests of the client package, run by the root `vitest run` as the project "client":
 * `npx vitest run --project client`. Node environment: the browser client takes its fetch, Web
 * Locks and clock as options, and the server entry runs on Node's fetch-style Request.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Keep Vitest's cache with the repository's, not in a node_modules of the package's own.
  cacheDir: fileURLToPath(new URL('../../node_modules/.vite/client', import.meta.url)),
  test: {
    name: 'client',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
