/**
 * Unit tests of the front end's helpers, run apart from the server's suite:
 * `npx vitest run --project web`. Node environment: what they test takes its inputs as arguments.
 * (The auth client's tests live with it in packages/client.)
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Keep Vitest's cache with the repository's, not in a web/node_modules of its own.
  cacheDir: fileURLToPath(new URL('../node_modules/.vite/web', import.meta.url)),
  resolve: {
    alias: [
      {
        find: /^@sesame\/client$/,
        replacement: fileURLToPath(new URL('../packages/client/src/browser/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    name: 'web',
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
