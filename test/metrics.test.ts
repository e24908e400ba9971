/**
 * GET /metrics on a real server, scraped with a metrics:read key made by the CLI and parsed by a
 * Prometheus text-format parser; the counters move as sign-ins, refreshes and refusals happen.
 */
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/node-server.js';
import {
  generateDbscKey,
  parseChallengeHeader,
  parseRegistrationOffer,
  refreshProof,
  registrationProof,
} from './helpers/dbsc-client.js';

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
const routeCount = (text: string, labels: string) =>
  Number(new RegExp(`^sesame_http_request_duration_seconds_count\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

function value(families: PromFamily[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  if (!family) return 0;
  const sample = family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample ? Number(sample.value ?? sample.count) : 0;
}

const post = (p: string, json: unknown, headers: Record<string, string> = {}) =>
  s.fetch(p, { method: 'POST', json, headers });

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
    const delta = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);
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

  it('counts device-bound sessions: offers, bindings, renewals, proof failures by step and reason, and the bound sessions alive', async () => {
    const before = await scrape();
    const signedIn = await s.signInByEmail('metrics-dbsc@example.com');
    const cookie = (c: string) => ({ cookie: `__Host-sesame_refresh=${c}` });
    const refreshCookieOf = (res: Response) =>
      /__Host-sesame_refresh=([^;]*)/.exec(res.headers.getSetCookie().join('\n'))![1]!;
    // Node's fetch sends Fetch Metadata as a browser does: the sign-in response carries the offer.
    const offer = parseRegistrationOffer(signedIn.headers.get('secure-session-registration'))!;
    const plain = await post('/auth/refresh', {}, cookie(signedIn.refresh));
    expect(plain.status).toBe(200);
    // Repeated on the refresh (the same offer: no second one is counted).
    expect(parseRegistrationOffer(plain.headers.get('secure-session-registration'))?.challenge).toBe(offer.challenge);
    // Chromium's DBSC requests: POST, no body, no Content-Type.
    const dbsc = (p: string, headers: Record<string, string>) => s.fetch(p, { method: 'POST', headers });
    const key = generateDbscKey();
    expect((await dbsc('/auth/dbsc/register', { 'secure-session-response': 'not-a-proof' })).status).toBe(401);
    expect(
      (await dbsc('/auth/dbsc/register', { 'secure-session-response': registrationProof(key, 'made-up') })).status,
    ).toBe(401);
    const registered = await dbsc('/auth/dbsc/register', {
      'secure-session-response': registrationProof(key, offer.challenge),
    });
    expect(registered.status).toBe(200);
    const sid = ((await registered.json()) as { session_identifier: string }).session_identifier;
    const boundNow = await scrape();

    // Past DBSC_COOKIE_TTL (600 s) the cookie alone is refused...
    now += 601_000;
    expect((await post('/auth/refresh', {}, cookie(refreshCookieOf(registered)))).status).toBe(401);
    // ...and the browser renews with a proof; another key's proof and a replayed one fail.
    const challengeOf = async () => {
      const res = await dbsc('/auth/dbsc/refresh', { 'sec-secure-session-id': sid });
      expect(res.status).toBe(403);
      return parseChallengeHeader(res.headers.get('secure-session-challenge'))!.challenge;
    };
    const challenge = await challengeOf();
    expect(
      (
        await dbsc('/auth/dbsc/refresh', {
          'sec-secure-session-id': sid,
          'secure-session-response': refreshProof(generateDbscKey(), challenge),
        })
      ).status,
    ).toBe(401);
    const proof = refreshProof(key, challenge);
    expect(
      (await dbsc('/auth/dbsc/refresh', { 'sec-secure-session-id': sid, 'secure-session-response': proof })).status,
    ).toBe(200);
    expect(
      (await dbsc('/auth/dbsc/refresh', { 'sec-secure-session-id': sid, 'secure-session-response': proof })).status,
    ).toBe(401);
    expect((await post('/auth/logout', {}, cookie(refreshCookieOf(registered)))).status).toBe(204);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);
    expect(delta('sesame_dbsc_offers_total')).toBe(1);
    expect(delta('sesame_dbsc_bindings_total')).toBe(1);
    expect(delta('sesame_dbsc_refreshes_total', { result: 'challenged' })).toBe(1);
    expect(delta('sesame_dbsc_refreshes_total', { result: 'renewed' })).toBe(1);
    expect(delta('sesame_dbsc_proof_failures_total', { step: 'registration', reason: 'bad_proof' })).toBe(1);
    expect(delta('sesame_dbsc_proof_failures_total', { step: 'registration', reason: 'unknown_challenge' })).toBe(1);
    expect(delta('sesame_dbsc_proof_failures_total', { step: 'refresh', reason: 'cookie_expired' })).toBe(1);
    expect(delta('sesame_dbsc_proof_failures_total', { step: 'refresh', reason: 'bad_proof' })).toBe(1);
    expect(delta('sesame_dbsc_proof_failures_total', { step: 'refresh', reason: 'unknown_challenge' })).toBe(1);
    // Live bound sessions, read at scrape time: one while bound, none once it signed out.
    expect(after.find((f) => f.name === 'sesame_dbsc_bound_sessions')?.type).toBe('GAUGE');
    expect(value(boundNow, 'sesame_dbsc_bound_sessions') - value(before, 'sesame_dbsc_bound_sessions')).toBe(1);
    expect(value(after, 'sesame_dbsc_bound_sessions')).toBe(value(before, 'sesame_dbsc_bound_sessions'));
  });
});
