/**
 * GET /openapi.json: the OpenAPI 3.1 description, built from the same zod schemas that validate
 * requests, made usable for generating clients: `servers` (PUBLIC_URL), the Bearer token and the
 * refresh cookie as security schemes, a tag and a unique `operationId` on every operation.
 *
 * Routes name their own operationId and tag (src/routes/*); one that does not still gets both here
 * (from its method and path, and its path's area), so a client generator never meets an unnamed
 * operation. The errors the shared middleware may answer (403 cross-site, 413, 415, and 429 under
 * /auth/) are added to every operation they apply to. test/openapi.test.ts generates TypeScript types from the document and type-checks a
 * client against them.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Config } from '../lib/config.js';
import type { AppEnv } from './deps.js';
import { errorDescription } from './router.js';

export const API_VERSION = '1.0.0';

const TAGS = [
  { name: 'Email sign-in', description: 'Sign in or up with an emailed link or six-digit code' },
  { name: 'Passkeys', description: 'WebAuthn ceremonies and the passkeys of an account' },
  { name: 'Sessions', description: 'Refresh, sign-out and the sessions of an account' },
  { name: 'Account', description: 'The signed-in account' },
  {
    name: 'Applications',
    description: 'What applications on APP_ORIGINS use besides sign-in (API.md, "Applications")',
  },
  { name: 'Tokens', description: 'Keys that verify access tokens' },
  { name: 'Service', description: 'Health and development helpers' },
  { name: 'Development', description: 'Only outside production' },
];

type Operation = { operationId?: string; tags?: string[]; responses?: Record<string, unknown> };
type Document = ReturnType<OpenAPIHono<AppEnv>['getOpenAPI31Document']>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** `post /auth/passkeys/{id}/rename` -> `postAuthPasskeysByIdRename`. */
function derivedOperationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith('{') ? `by-${segment.slice(1, -1)}` : segment))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/** `/admin/users/{id}` -> 'Admin'. */
function derivedTag(path: string): string {
  const area =
    path.split('/').filter(Boolean)[path.startsWith('/auth/') || path.startsWith('/api/') ? 1 : 0] ?? 'service';
  return area.replace(/^\./, '').replace(/^\w/, (c) => c.toUpperCase());
}

export function openApiDocument(app: OpenAPIHono<AppEnv>, config: Pick<Config, 'publicUrl'>): Document {
  const doc = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Sesame',
      version: API_VERSION,
      description:
        'Passwordless sign-in: passkeys and emailed links, ending in a short-lived access token (JWT) and a rotating refresh cookie. ' +
        'The contract is docs/api.md in the repository; errors are {"error": {"code", "message"}}.',
    },
    servers: [{ url: config.publicUrl, description: 'This Sesame (PUBLIC_URL)' }],
    tags: TAGS,
  });
  const seen = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (!operation) continue;
      operation.operationId ??= derivedOperationId(method, path);
      // Two routes may not share a name: a generated client would lose one of them.
      if (seen.has(operation.operationId)) operation.operationId = derivedOperationId(method, path);
      seen.add(operation.operationId);
      if (!operation.tags?.length) operation.tags = [derivedTag(path)];
      // What the middleware in front of every route may answer (app.ts), whatever the route says.
      const implied = [...(method === 'get' ? [] : [403, 413, 415]), ...(path.startsWith('/auth/') ? [429] : [])];
      const responses = (operation.responses ??= {});
      for (const status of implied) {
        responses[status] ??= {
          description: errorDescription(status),
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        };
      }
    }
  }
  return doc;
}
