import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness({ env: { CORS_ORIGINS: 'https://app.localhost' } });
});
afterEach(() => h.close());

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe('http hardening', () => {
  it('sends the security headers on every response', async () => {
    for (const res of [
      await h.request('/healthz'),
      await h.request('/nope'),
      await h.request('/auth/refresh', { body: {} }),
    ]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
  });

  it('answers 404 in the error shape for unknown paths', async () => {
    const res = await h.request('/auth/nothing-here', { body: {} });
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('NOT_FOUND');
  });

  it('refuses a state-changing request that is not JSON with 415', async () => {
    const { accessToken } = await h.signIn();
    for (const type of [
      undefined,
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonx',
    ]) {
      const headers: Record<string, string> = type ? { 'content-type': type } : {};
      const res = await h.request('/auth/logout-all', { rawBody: '{}', headers, token: accessToken });
      expect(res.status, String(type)).toBe(415);
      expect((await errorOf(res)).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    expect(
      (
        await h.request('/auth/logout-all', {
          rawBody: '{}',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          token: accessToken,
        })
      ).status,
    ).toBe(204);
  });

  it('refuses malformed bodies with 400 INVALID_REQUEST naming the problem', async () => {
    const { accessToken } = await h.signIn();
    for (const raw of ['{', '[]', '42', '"x"', 'null', '{"extra": 1}', '']) {
      const res = await h.request('/auth/logout-all', {
        rawBody: raw,
        headers: { 'content-type': 'application/json' },
        token: accessToken,
      });
      expect(res.status, raw).toBe(400);
      const e = await errorOf(res);
      expect(e.code).toBe('INVALID_REQUEST');
      expect(e.message.length).toBeGreaterThan(3);
    }
    // Nothing was revoked by the refused requests.
    expect((await h.request('/api/me', { token: accessToken })).status).toBe(200);
  });

  it('refuses a body over 64 KiB with 413, also when chunked without a length', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(70 * 1024) });
    const res = await h.request('/auth/refresh', { rawBody: big, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('PAYLOAD_TOO_LARGE');
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 80; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)));
        controller.close();
      },
    });
    const streamed = await h.app.request(
      '/auth/refresh',
      {
        method: 'POST',
        body: chunks,
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        duplex: 'half',
      } as RequestInit,
      { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
    );
    expect(streamed.status).toBe(413);
  });

  it('refuses cross-site requests with 403 and allows same-origin, allowed and non-browser ones', async () => {
    const { refreshToken } = await h.signIn();
    const attempt = (headers: Record<string, string>) => h.request('/auth/logout', { body: {}, headers });
    const crossSite: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: 'http://localhost:3000.evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' },
    ];
    for (const headers of crossSite) {
      const res = await attempt(headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect((await errorOf(res)).code).toBe('FORBIDDEN_ORIGIN');
    }
    // Refused requests changed nothing: the session still refreshes.
    const still = await h.request('/auth/refresh', {
      body: {},
      cookie: refreshToken,
      headers: { origin: 'http://localhost:3000', 'sec-fetch-site': 'same-origin' },
    });
    expect(still.status).toBe(200);
    expect((await attempt({ origin: 'https://app.localhost', 'sec-fetch-site': 'cross-site' })).status).toBe(204);
    expect((await attempt({})).status).toBe(204);
  });

  it('answers CORS preflights with credentials for CORS_ORIGINS only', async () => {
    const ok = await h.request('/auth/refresh', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.localhost',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.localhost');
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    const evil = await h.request('/auth/refresh', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never logs a token, cookie or query string', async () => {
    const s = await h.signIn();
    await h.request('/auth/refresh', { body: {}, cookie: s.refreshToken });
    await h.request('/api/me?token=secret-in-query', { token: s.accessToken });
    const all = JSON.stringify(h.logs);
    expect(h.logs.filter((l) => l.msg === 'request').length).toBe(2);
    expect(all).not.toContain(s.refreshToken);
    expect(all).not.toContain(s.accessToken);
    expect(all).not.toContain('secret-in-query');
  });

  it('answers 503 with Retry-After when the database stays locked', async () => {
    const { default: Database } = await import('better-sqlite3');
    const locker = new Database(`${h.dir}/sesame.db`);
    locker.pragma('busy_timeout = 0');
    const s = await h.signIn();
    h.sqlite.sqlite.pragma('busy_timeout = 50');
    locker.exec('BEGIN IMMEDIATE');
    try {
      const res = await h.request('/auth/refresh', { body: {}, cookie: s.refreshToken });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect((await errorOf(res)).code).toBe('SERVICE_BUSY');
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    // Nothing was half-written: the same token still rotates.
    expect((await h.request('/auth/refresh', { body: {}, cookie: s.refreshToken })).status).toBe(200);
  });
});
