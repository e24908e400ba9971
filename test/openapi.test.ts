/**
 * /openapi.json: it documents exactly the routes the app serves, and it is usable for generating
 * clients: servers, security schemes (Bearer and the refresh cookie), an operationId and a tag on
 * every operation, error responses naming their codes. The last test generates TypeScript types
 * with openapi-typescript and type-checks a small client against them (and checks that a wrong
 * client does not type-check, so the check can fail).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUTH_ERROR_CODES } from '../src/auth/errors.js';
import { createHarness, type Harness } from './helpers/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(() => h.close());

interface Operation {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface Doc {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, Record<string, string>>; schemas: Record<string, unknown> };
}

async function fetchDoc(): Promise<Doc> {
  const res = await h.request('/openapi.json');
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
}

const operations = (doc: Doc) =>
  Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.entries(ops).map(([m, op]) => ({ key: `${m.toUpperCase()} ${p}`, op })),
  );

describe('/openapi.json', () => {
  it('is OpenAPI 3.1 and documents exactly the routes the app serves', async () => {
    const doc = await fetchDoc();
    expect(doc.openapi).toBe('3.1.0');
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    const served = new Set(
      h.app.routes
        .filter((r) => r.method !== 'ALL' && r.path !== '/openapi.json' && r.path !== '*')
        .map((r) => `${r.method} ${r.path}`),
    );
    expect([...documented].sort()).toEqual([...served].sort());
    for (const required of [
      'GET /healthz',
      'GET /.well-known/jwks.json',
      'POST /auth/refresh',
      'POST /auth/logout',
      'POST /auth/logout-all',
      'GET /auth/sessions',
      'DELETE /auth/sessions/:id',
      'GET /api/me',
    ]) {
      expect(documented).toContain(required);
    }
  });

  it('names every operation uniquely, tags it, and gives it error responses with their codes', async () => {
    const doc = await fetchDoc();
    const ids = new Map<string, string>();
    for (const { key, op } of operations(doc)) {
      expect(op.operationId, key).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(ids.has(op.operationId!), `${key} reuses ${op.operationId} of ${ids.get(op.operationId!)}`).toBe(false);
      ids.set(op.operationId!, key);
      expect(op.tags?.length, key).toBeGreaterThan(0);
      const errors = Object.entries(op.responses).filter(([status]) => /^[45]\d\d$/.test(status));
      // Health, liveness, the public keys and the branding files answer anything; every other operation can refuse something.
      if (
        ['GET /healthz', 'GET /livez', 'GET /.well-known/jwks.json', 'GET /branding.css', 'GET /favicon.svg'].includes(
          key,
        )
      )
        continue;
      expect(errors.length, key).toBeGreaterThan(0);
      if (!key.startsWith('GET '))
        expect(Object.keys(op.responses), key).toEqual(expect.arrayContaining(['403', '413', '415']));
      if (key.includes(' /auth/')) expect(Object.keys(op.responses), key).toContain('429');
      for (const [status, response] of errors)
        expect(response.content?.['application/json']?.schema?.$ref, `${key} ${status}`).toBe(
          '#/components/schemas/Error',
        );
    }
    expect(ids.get('startEmailSignIn')).toBe('POST /auth/email/start');
    expect(ids.get('refreshSession')).toBe('POST /auth/refresh');
    const errorCode = (
      doc.components.schemas.Error as { properties: { error: { properties: { code: { enum: string[] } } } } }
    ).properties.error.properties.code;
    expect(errorCode.enum.sort()).toEqual([...AUTH_ERROR_CODES].sort());
    const refreshed = doc.paths['/auth/refresh']!.post!.responses['401'] as unknown as { description: string };
    expect(refreshed.description).toMatch(/INVALID_TOKEN/);
  });

  it('has servers and the Bearer and refresh-cookie security schemes', async () => {
    const doc = await fetchDoc();
    expect(doc.servers).toEqual([expect.objectContaining({ url: h.config.publicUrl })]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.refreshCookie).toMatchObject({
      type: 'apiKey',
      in: 'cookie',
      name: '__Host-sesame_refresh',
    });
    expect(doc.paths['/auth/refresh']!.post!.security).toEqual([{ refreshCookie: [] }]);
    expect(doc.paths['/auth/logout']!.post!.security).toEqual([{ refreshCookie: [] }]);
    expect(doc.paths['/api/me']!.get!.security).toEqual([{ bearerAuth: [] }]);
  });

  it('generates TypeScript types (openapi-typescript) that a small client type-checks against', async () => {
    const doc = await fetchDoc();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-openapi-'));
    try {
      fs.writeFileSync(path.join(dir, 'sesame.d.ts'), astToString(await openapiTS(doc as never)));
      fs.writeFileSync(path.join(dir, 'client.ts'), CLIENT);
      fs.writeFileSync(path.join(dir, 'wrong.ts'), WRONG_CLIENT);
      const check = (file: string) => {
        const program = ts.createProgram([path.join(dir, file)], {
          strict: true,
          noEmit: true,
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ESNext,
          moduleResolution: ts.ModuleResolutionKind.Bundler,
          lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
          types: [],
          skipLibCheck: true,
        });
        return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      };
      expect(check('client.ts')).toEqual([]);
      // Each line of the wrong client breaks the contract once: it must not type-check.
      expect(check('wrong.ts').length).toBeGreaterThanOrEqual(4);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** A client written against the generated types only. */
const CLIENT = `
import type { components, operations, paths } from './sesame';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type StartBody = Json<paths['/auth/email/start']['post']['requestBody']>;
type VerifyBody = Json<operations['verifyEmailSignIn']['requestBody']>;
type SessionResponse = Json<operations['verifyEmailSignIn']['responses'][200]>;
type ApiError = components['schemas']['Error'];
type Me = Json<operations['getMe']['responses'][200]>;

export function createSesameClient(baseUrl: string) {
  async function post<T>(path: keyof paths, body: unknown, token?: string): Promise<T> {
    const response = await fetch(baseUrl + path, {
      method: 'POST',
      credentials: 'include',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: 'Bearer ' + token } : {}) },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      const { error } = (await response.json()) as ApiError;
      const code: ApiError['error']['code'] = error.code;
      throw new Error(code + ': ' + error.message);
    }
    return (response.status === 204 ? undefined : await response.json()) as T;
  }
  return {
    startEmail: (body: StartBody) => post<{ ok: true }>('/auth/email/start', body),
    verifyEmail: (body: VerifyBody) => post<SessionResponse>('/auth/email/verify', body),
    refresh: () => post<Json<operations['refreshSession']['responses'][200]>>('/auth/refresh', {}),
    async me(token: string): Promise<Me> {
      const response = await fetch(baseUrl + '/api/me', { headers: { Authorization: 'Bearer ' + token } });
      return (await response.json()) as Me;
    },
  };
}

export async function signIn(baseUrl: string, email: string, code: string) {
  const sesame = createSesameClient(baseUrl);
  await sesame.startEmail({ email, returnTo: 'https://app.example.com/' });
  const session = await sesame.verifyEmail({ email, code });
  const token: string = session.accessToken;
  const userId: string = session.user.id;
  const verified: boolean = session.user.emailVerified;
  const returnTo: string | undefined = session.returnTo;
  const me = await sesame.me(token);
  const created: string = me.createdAt;
  return { token, userId, verified, returnTo, created };
}
`;

/** The same client, each line breaking the contract once. */
const WRONG_CLIENT = `
import type { operations, paths } from './sesame';
type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type StartBody = Json<paths['/auth/email/start']['post']['requestBody']>;
type SessionResponse = Json<operations['verifyEmailSignIn']['responses'][200]>;
export const noEmail: StartBody = { mail: 'ada@example.com' };
export const wrongType: StartBody = { email: 42 };
export const token = (s: SessionResponse): number => s.accessToken;
export const noSuchOperation: operations['signInWithPassword'] = null as never;
`;
