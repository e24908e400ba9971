/**
 * GET /branding.css: BRAND_COLOR as CSS variables for the pages (src/views/app-shell.ts, README
 * "Branding and languages"); GET /favicon.svg: the built-in mark in the brand colour (the shell
 * points the icon at LOGO_URL instead when one is set).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../http/router.js';
import { brandingCss, brandMark } from '../views/app-shell.js';

const css = createRoute({
  method: 'get',
  path: '/branding.css',
  operationId: 'getBrandingCss',
  tags: ['Pages'],
  summary: 'The brand colour (BRAND_COLOR) as CSS variables: --brand, --brand-text, --brand-ink, --brand-ink-dark',
  responses: { 200: { content: { 'text/css': { schema: z.string() } }, description: 'A stylesheet' } },
});

const favicon = createRoute({
  method: 'get',
  path: '/favicon.svg',
  operationId: 'getFavicon',
  tags: ['Pages'],
  summary: 'The built-in mark in the brand colour (BRAND_COLOR)',
  responses: { 200: { content: { 'image/svg+xml': { schema: z.string() } }, description: 'An SVG image' } },
});

export function brandingRoutes() {
  return createRouter()
    .openapi(css, (c) => {
      c.header('Content-Type', 'text/css; charset=utf-8');
      c.header('Cache-Control', 'public, max-age=300');
      return c.body(brandingCss(c.get('deps').config.branding), 200);
    })
    .openapi(favicon, (c) => {
      c.header('Content-Type', 'image/svg+xml');
      c.header('Cache-Control', 'public, max-age=300');
      return c.body(brandMark(c.get('deps').config.branding), 200);
    });
}
