/**
 * What applications on APP_ORIGINS need besides the sign-in routes (API.md, "Applications"):
 * - GET /.well-known/webauthn: the WebAuthn related origins list, when an app lies outside
 *   RP_ID's domain (lib/config.ts allows that only where PUBLIC_URL's host is RP_ID, so this is the
 *   URL browsers ask); 404 otherwise.
 * - GET /auth/return-to: whether a `returnTo` would be followed. Sesame's pages ask it before
 *   keeping a `?returnTo=` for after the sign-in, so the one rule (auth/return-to.ts) decides.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { AuthError } from '../auth/errors.js';
import { acceptReturnTo } from '../auth/return-to.js';
import { createRouter, errorResponses, jsonContent } from '../http/router.js';

const relatedOrigins = createRoute({
  method: 'get',
  path: '/.well-known/webauthn',
  operationId: 'getRelatedOrigins',
  tags: ['Applications'],
  summary: 'WebAuthn related origins: PUBLIC_URL and every APP_ORIGINS entry, when one lies outside RP_ID',
  responses: {
    200: jsonContent(
      z.object({ origins: z.array(z.string()) }).openapi('RelatedOrigins'),
      'The origins that may use RP_ID',
    ),
    ...errorResponses(404),
  },
});

const returnTo = createRoute({
  method: 'get',
  path: '/auth/return-to',
  operationId: 'checkReturnTo',
  tags: ['Applications'],
  summary: 'Whether a returnTo would be followed after sign-in',
  description:
    "Sesame's pages call this for their `?returnTo=`. 200 with the URL as it will be followed; 400 INVALID_REQUEST naming returnTo " +
    'for anything that is not an absolute http(s) URL on PUBLIC_URL or an APP_ORIGINS origin.',
  request: { query: z.object({ returnTo: z.string().openapi({ example: 'https://app.example.com/notes' }) }) },
  responses: {
    200: jsonContent(z.object({ returnTo: z.string() }).openapi('ReturnTo'), 'The URL will be followed'),
    ...errorResponses(400, 429),
  },
});

export function appRoutes() {
  return createRouter()
    .openapi(relatedOrigins, (c) => {
      const origins = c.get('deps').config.relatedOrigins;
      if (!origins)
        throw new AuthError('NOT_FOUND', 'No application origin lies outside RP_ID: no related origins to list');
      // Browsers fetch this without credentials during a ceremony; a short cache keeps it cheap.
      c.header('Cache-Control', 'public, max-age=300');
      return c.json({ origins }, 200);
    })
    .openapi(returnTo, (c) => {
      // Never null here: the query parameter is required.
      const accepted = acceptReturnTo(c.get('deps'), c.req.valid('query').returnTo, {
        clientAddress: c.get('clientAddress'),
      });
      return c.json({ returnTo: accepted! }, 200);
    });
}
