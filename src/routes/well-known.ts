/** The JWKS resource servers verify access tokens against (health: routes/health.ts). */
import { createRoute, z } from '@hono/zod-openapi';
import { createRouter, jsonContent } from '../http/router.js';

const jwks = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  operationId: 'getJwks',
  tags: ['Tokens'],
  summary: 'Public keys that sign access tokens',
  responses: {
    200: jsonContent(
      z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi('JWKS'),
      'Every key that signed a still-valid token',
    ),
  },
});

export function wellKnownRoutes() {
  return createRouter().openapi(jwks, async (c) => {
    // Short cache: resource servers pick up a rotation within a minute, and refetch on an unknown kid.
    c.header('Cache-Control', 'public, max-age=60');
    return c.json(await c.get('deps').keys.jwks(), 200);
  });
}
