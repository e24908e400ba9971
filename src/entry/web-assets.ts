import fs from 'node:fs';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { MiddlewareHandler } from 'hono';
import { isApiPath } from '../http/api-paths.js';
import type { AppEnv } from '../http/deps.js';

const webDist = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../web/dist');

const indexFile = path.join(webDist, 'index.html');
/** The front end's app shell, or null when web/dist is not built (then the server's own pages serve). */
export const readIndex = () => fs.promises.readFile(indexFile, 'utf8').catch(() => null);

/** The front end with an SPA fallback: unknown page paths get index.html, API paths get JSON 404s. */
export function frontEnd(): MiddlewareHandler<AppEnv> {
  const files = serveStatic<AppEnv>({ root: path.relative(process.cwd(), webDist) });
  return async (c, next) => {
    if (isApiPath(c.req.path)) return next();
    const file = await files(c, async () => {});
    if (file) return file;
    const html = await readIndex();
    if (html === null) return next();
    // Client-side routes (/account, ...) get the app shell; it never carries a token.
    c.header('Cache-Control', 'no-cache');
    return c.html(html);
  };
}

/** Whether web/dist holds a built front end (`npm run build:web`). */
export const webBuilt = () => fs.existsSync(indexFile);
