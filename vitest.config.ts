import { defineConfig } from 'vitest/config';

/**
 * One `vitest run` for everything: the server's tests, the front end's (web/vitest.config.ts) and
 * the client package's (packages/client/vitest.config.ts).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'server',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['node_modules', 'web/**', 'packages/**', 'data/**', 'bench/**'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      'web/vitest.config.ts',
      'packages/client/vitest.config.ts',
    ],
  },
});
