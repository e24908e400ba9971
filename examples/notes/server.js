/**
 * The notes example: a Hono app on its own origin that uses Sesame for sign-in.
 *
 * - Serves the page (public/) and, from the installed @sesame/client package, the browser client
 *   the page imports (through an import map: no bundler needed).
 * - Its API (/api/*) accepts only Sesame access tokens, verified offline by @sesame/client/server
 *   against Sesame's JWKS; the notes of a user are keyed by the token's user id.
 *
 * Settings (environment): PORT (4000), HOST (127.0.0.1), SESAME_URL (Sesame's PUBLIC_URL,
 * http://localhost:3000), SESAME_AUDIENCE (Sesame's ACCESS_TOKEN_AUDIENCE, default SESAME_URL),
 * NOTES_FILE (./data/notes.json).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { createVerifier, sesameAuth } from '@sesame/client/server';
import { createNotesStore, MAX_NOTE_LENGTH } from './notes-store.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PORT = Number(process.env.PORT ?? 4000);
const HOST = process.env.HOST ?? '127.0.0.1';
const SESAME_URL = new URL(process.env.SESAME_URL ?? 'http://localhost:3000').origin;
const SESAME_AUDIENCE = process.env.SESAME_AUDIENCE ?? SESAME_URL;
const NOTES_FILE = path.resolve(here, process.env.NOTES_FILE ?? 'data/notes.json');

// The browser client, as installed from the package: its ES modules are served as they are.
const require = createRequire(import.meta.url);
const clientDir = path.dirname(fileURLToPath(import.meta.resolve('@sesame/client')));
const webauthnDir = path.join(
  path.dirname(require.resolve('@simplewebauthn/browser', { paths: [clientDir] })),
  '..',
  'esm',
);

const IMPORT_MAP = JSON.stringify({
  imports: {
    '@sesame/client': '/vendor/sesame-client/index.js',
    '@simplewebauthn/browser': '/vendor/simplewebauthn-browser/index.js',
  },
});
const page = fs
  .readFileSync(path.join(here, 'public/index.html'), 'utf8')
  .replace('%IMPORT_MAP%', IMPORT_MAP)
  .replace('%SESAME_URL%', SESAME_URL);
// The import map is the page's one inline script: the CSP allows exactly it, by hash.
const importMapHash = createHash('sha256').update(IMPORT_MAP).digest('base64');
const CSP = [
  "default-src 'self'",
  `script-src 'self' 'sha256-${importMapHash}'`,
  "style-src 'self'",
  // The page talks to its own API and to Sesame (sign-in, refresh, passkeys).
  `connect-src 'self' ${SESAME_URL}`,
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

const verifier = createVerifier({ issuer: SESAME_URL, audience: SESAME_AUDIENCE });
const notes = createNotesStore(NOTES_FILE);

const app = new Hono();

app.use('*', async (c, next) => {
  await next();
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'strict-origin-when-cross-origin');
});

app.get('/healthz', (c) => c.json({ ok: true }));

// Every /api route needs a valid Sesame access token; c.get('sesameUser') is who it speaks for.
app.use('/api/*', sesameAuth(verifier));

app.get('/api/me', (c) => {
  const { userId, email, emailVerified, amr } = c.get('sesameUser');
  return c.json({ userId, email, emailVerified, amr });
});

app.get('/api/notes', (c) => c.json({ notes: notes.list(c.get('sesameUser').userId) }));

app.post('/api/notes', async (c) => {
  const body = await c.req.json().catch(() => null);
  const text = typeof body?.text === 'string' ? body.text.trim() : '';
  if (!text || text.length > MAX_NOTE_LENGTH) {
    return c.json({ error: { code: 'INVALID_REQUEST', message: `text: 1 to ${MAX_NOTE_LENGTH} characters` } }, 400);
  }
  const note = notes.add(c.get('sesameUser').userId, text);
  if (!note) return c.json({ error: { code: 'TOO_MANY_NOTES', message: 'Delete a note first' } }, 409);
  return c.json({ note }, 201);
});

app.delete('/api/notes/:id', (c) => {
  if (!notes.remove(c.get('sesameUser').userId, c.req.param('id'))) {
    return c.json({ error: { code: 'NOT_FOUND', message: 'No such note' } }, 404);
  }
  return c.body(null, 204);
});

const vendor = (prefix, root) => serveStatic({ root, rewriteRequestPath: (p) => p.slice(prefix.length) });
app.use('/vendor/sesame-client/*', vendor('/vendor/sesame-client', clientDir));
app.use('/vendor/simplewebauthn-browser/*', vendor('/vendor/simplewebauthn-browser', webauthnDir));
app.use('/app.js', serveStatic({ root: path.join(here, 'public') }));
app.use('/styles.css', serveStatic({ root: path.join(here, 'public') }));

app.get('/', (c) => {
  c.header('Content-Security-Policy', CSP);
  c.header('Cache-Control', 'no-store');
  return c.html(page);
});

serve({ fetch: app.fetch, port: PORT, hostname: HOST }, (info) => {
  console.log(`Notes example on http://localhost:${info.port} (listening on ${HOST}), signing in with ${SESAME_URL}`);
});
