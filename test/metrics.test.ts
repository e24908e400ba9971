/**
 * GET /metrics on a real server, scraped with a metrics:read key made by the CLI and parsed by a
 * Prometheus text-format parser; the counters move as sign-ins, refreshes and refusals happen.
 */
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/node-server.js';

let s: TestServer;
let scraper: string;
let now = Date.now();

beforeAll(async () => {
  s = await startTestServer({ env: { RATE_LIMIT_EMAILS_PER_HOUR: '3' }, clock: () => now });
  scraper = await s.createAdminKey('prometheus', 'metrics:read');
}, 60_000);
afterAll(() => s?.close());

let lastText = '';
async function scrape(): Promise<PromFamily[]> {
  const res = await s.fetch('/metrics', { token: scraper });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  lastText = await res.text();
  return parsePrometheusTextFormat(lastText);
}

/** The parser folds a histogram's labelled series into one; the per-route count is read from its own line. */
const routeCount = (text: string, labels: string) => Number(new RegExp(`^sesame_http_request_duration_seconds_count\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

function value(families: PromFamily[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  if (!family) return 0;
  const sample = family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample ? Number(sample.value ?? sample.count) : 0;
}

const post = (p: string, json: unknown, headers: Record<string, string> = {}) => s.fetch(p, { method: 'POST', json, headers });

describe('GET /metrics', () => {
  it('needs a key with metrics:read', async () => {
    expect((await s.fetch('/metrics')).status).toBe(401);
    const reader = await s.createAdminKey('reader', 'users:read');
    expect((await s.fetch('/metrics', { token: reader })).status).toBe(403);
  });

  it('counts sign-ins by method and result, refreshes by result, rate-limit refusals, and times requests by route', async () => {
    const before = await scrape();
    const beforeText = lastText;
    const signedIn = await s.signInByEmail('metrics@example.com');
    expect(signedIn.status).toBe(201);
    expect((await post('/auth/email/start', { email: 'metrics@example.com' })).status).toBe(202);
    expect((await post('/auth/email/verify', { email: 'metrics@example.com', code: '000000' })).status).toBe(401);

    const cookie = (c: string) => ({ cookie: `__Host-sesame_refresh=${c}` });
    const rotated = await post('/auth/refresh', {}, cookie(signedIn.refresh));
    expect(rotated.status).toBe(200);
    // A racing tab inside the reuse window gets the same successor.
    expect((await post('/auth/refresh', {}, cookie(signedIn.refresh))).status).toBe(200);
    now += 11_000;
    expect((await post('/auth/refresh', {}, cookie(signedIn.refresh))).status).toBe(401);

    expect((await post('/auth/email/start', { email: 'metrics@example.com' })).status).toBe(202);
    expect((await post('/auth/email/start', { email: 'metrics@example.com' })).status).toBe(429);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
    expect(delta('sesame_sign_ins_total', { method: 'email', result: 'success' })).toBe(1);
    expect(delta('sesame_sign_ins_total', { method: 'email', result: 'invalid_code' })).toBe(1);
    expect(delta('sesame_refreshes_total', { result: 'rotated' })).toBe(1);
    expect(delta('sesame_refreshes_total', { result: 'reuse_window' })).toBe(1);
    expect(delta('sesame_refreshes_total', { result: 'reuse_revoked' })).toBe(1);
    expect(delta('sesame_rate_limited_total', { route: '/auth/email/start' })).toBe(1);
    const labels = 'route="/auth/refresh",method="POST",status="200"';
    expect(routeCount(lastText, labels) - routeCount(beforeText, labels)).toBe(2);
    expect(routeCount(lastText, 'route="/auth/refresh",method="POST",status="401"')).toBeGreaterThanOrEqual(1);
    const histogram = after.find((f) => f.name === 'sesame_http_request_duration_seconds')!;
    expect(histogram.type).toBe('HISTOGRAM');
    expect(Object.keys(histogram.metrics[0]!.buckets!)).toContain('+Inf');
    // Route patterns, never raw paths that carry ids.
    expect(lastText).not.toMatch(/route="\/admin\/users\/[0-9a-f-]{36}"/);
    expect(value(after, 'sesame_mail_queue', { state: 'outbox' })).toBeGreaterThanOrEqual(3);
    expect(after.find((f) => f.name === 'sesame_webhook_queue')?.type).toBe('GAUGE');
  });
});
