/**
 * Unit tests of the front end (the auth client), run apart from the server's suite:
 * `npx vitest run --config web/vitest.config.ts`. Node environment: the client takes its fetch,
 * Web Locks and clock as options, so no browser is needed.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Keep Vitest's cache with the repository's, not in a web/node_modules of its own.
  cacheDir: fileURLToPath(new URL('../node_modules/.vite/web', import.meta.url)),
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
