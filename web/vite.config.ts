/**
 * Builds the Preact front end from web/ into web/dist, which the Hono server serves at `/`.
 * Run from the repository root: `npx vite build --config web/vite.config.ts`.
 *
 * The output must run under the server's CSP (script-src 'self'; style-src 'self'): no inline
 * scripts or styles, so the module-preload polyfill stays in the bundle and CSS in files.
 */
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
/** Where `npm start` listens by default; the dev server forwards API calls there. */
const api = process.env.SESAME_API_URL ?? 'http://127.0.0.1:3000';

/** The emailed link's landing page lives under /auth/ but is a page of this app, not an API call. */
const forwardApi = {
  target: api,
  changeOrigin: false,
  bypass: (request: { method?: string; url?: string; headers: { accept?: string } }) =>
    request.method === 'GET' &&
    (request.url?.startsWith('/auth/email/verify') || request.headers.accept?.includes('text/html'))
      ? '/index.html'
      : undefined,
};

export default defineConfig({
  root,
  plugins: [preact()],
  resolve: {
    // The pages use the client package from its source (packages/client), as an app uses the tarball.
    alias: [
      {
        find: /^@sesame\/client$/,
        replacement: fileURLToPath(new URL('../packages/client/src/browser/index.ts', import.meta.url)),
      },
    ],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Inlined assets would be data: URLs; keep every asset a file the CSP allows as 'self'.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: {
      '/auth': forwardApi,
      '/api': forwardApi,
      '/dev': forwardApi,
      '/.well-known': forwardApi,
    },
  },
});
