import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(() => h.close());

describe('/openapi.json', () => {
  it('is OpenAPI 3.1 and documents exactly the routes the app serves', async () => {
    const res = await h.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`)),
    );
    const served = new Set(
      h.app.routes
        .filter((r) => r.method !== 'ALL' && r.path !== '/openapi.json' && r.path !== '*')
        .map((r) => `${r.method} ${r.path}`),
    );
    expect([...documented].sort()).toEqual([...served].sort());
    for (const required of ['GET /healthz', 'GET /.well-known/jwks.json', 'POST /auth/refresh', 'POST /auth/logout', 'POST /auth/logout-all', 'GET /auth/sessions', 'DELETE /auth/sessions/:id', 'GET /api/me']) {
      expect(documented).toContain(required);
    }
  });
});
