/** GET /branding.css: BRAND_COLOR as CSS variables for the pages (src/views/app-shell.ts, README "Branding and languages"). */
import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../http/router.js';
import { brandingCss } from '../views/app-shell.js';

const css = createRoute({
  method: 'get',
  path: '/branding.css',
  operationId: 'getBrandingCss',
  tags: ['Pages'],
  summary: 'The brand colour (BRAND_COLOR) as CSS variables: --brand, --brand-text, --brand-ink, --brand-ink-dark',
  responses: { 200: { content: { 'text/css': { schema: z.string() } }, description: 'A stylesheet' } },
});

export function brandingRoutes() {
  return createRouter().openapi(css, (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(brandingCss(c.var.deps.config.branding), 200);
  });
}
