/**
 * The front end's app shell (web/dist/index.html) as the server hands it out: in the request's
 * language (`<html lang>`, which the pages start in), with PRODUCT_NAME in the title,
 * description and no-JavaScript notice, the branding stylesheet linked, and the product name and
 * logo for the pages' script in two meta tags. Applied to every HTML answer of the front end
 * (Node's static files, the Workers assets binding, the emailed link's page), so no runtime needs
 * its own copy. Runtime-neutral.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/deps.js';
import type { Locale } from '../i18n/locales.js';
import { createTranslator } from '../i18n/translator.js';
import { readableOn, type Branding } from '../lib/branding.js';
import { escapeHtml } from '../lib/escape-html.js';

export function brandAppShell(html: string, { branding, locale }: { branding: Branding; locale: Locale }): string {
  const tr = createTranslator({ locale, productName: branding.productName });
  const head = [
    `<meta name="application-name" content="${escapeHtml(branding.productName)}">`,
    ...(branding.logoUrl ? [`<meta name="brand-logo" content="${escapeHtml(branding.logoUrl)}">`] : []),
    '<link rel="stylesheet" href="/branding.css">',
  ].join('\n    ');
  let out = html
    .replace(/<html lang="[^"]*"/, `<html lang="${locale}"`)
    .replace(/<title>[^<]*<\/title>/, `<title>${escapeHtml(branding.productName)}</title>`)
    .replace(
      /<meta name="description" content="[^"]*"/,
      `<meta name="description" content="${tr.html('shell.description')}"`,
    )
    .replace(
      /(<noscript>[\s\S]*?<h1>)[^<]*(<\/h1>[\s\S]*?<p>)[^<]*(<\/p>)/,
      `$1${tr.html('shell.noscript.heading')}$2${tr.html('shell.noscript.body')}$3`,
    )
    .replace('</head>', `    ${head}\n  </head>`);
  if (branding.logoUrl)
    out = out.replace(
      /<link rel="icon" href="[^"]*"[^>]*>/,
      `<link rel="icon" href="${escapeHtml(branding.logoUrl)}">`,
    );
  return out;
}

/** Wraps the front end's file server: its HTML answers get the shell above; other files pass as they are. */
export function brandedAssets(assets: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const res = await assets(c, next);
    if (!(res instanceof Response) || res.status !== 200 || !res.headers.get('content-type')?.startsWith('text/html'))
      return res;
    const html = brandAppShell(await res.text(), {
      branding: c.get('deps').config.branding,
      locale: c.get('language'),
    });
    const headers = new Headers(res.headers);
    // The body changed and depends on the request's language: no stale length or validator.
    for (const name of ['content-length', 'etag', 'last-modified']) headers.delete(name);
    headers.set('Cache-Control', 'no-cache');
    headers.set('Vary', 'Accept-Language, Cookie');
    return new Response(c.req.method === 'HEAD' ? null : html, { status: 200, headers });
  };
}

/**
 * GET /branding.css: the brand colour as CSS variables, which web/src/styles.css builds on:
 * --brand and the text on it, and --brand-ink / --brand-ink-dark, the brand colour darkened or
 * lightened just enough to be readable as text on the light and dark page backgrounds.
 */
export function brandingCss(branding: Branding): string {
  // Every value is #rrggbb (checked by lib/branding.ts or computed), so nothing can break out of the rule.
  const ink = readableOn(branding.color, '#ffffff', '#000000');
  const inkDark = readableOn(branding.color, '#1b1e25', '#ffffff');
  return `:root{--brand:${branding.color};--brand-text:${branding.colorText};--brand-ink:${ink};--brand-ink-dark:${inkDark}}\n`;
}

/** The built-in mark (an open door) in the brand colour, for the favicon; both colours are #rrggbb. */
export function brandMark(branding: Branding): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="9" fill="${branding.color}"/><path d="M11 25V13a5 5 0 0 1 10 0v12" fill="none" stroke="${branding.colorText}" stroke-width="2.5" stroke-linecap="round"/><circle cx="18" cy="19" r="1.6" fill="${branding.colorText}"/></svg>\n`;
}
