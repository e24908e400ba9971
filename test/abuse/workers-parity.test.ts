/**
 * Issue 14, item 11: the same answers on Node and on the Worker (`npm run dev:worker -- --state
 * DIR`, from an empty local D1), over raw HTTP/1.1 where the connection matters:
 * - a body over 64 KiB, chunked or declared, answers 413 after the body is drained, and the next
 *   request on the same connection is answered normally (workerd answered 503 before);
 * - every response, assets and errors included (`POST /AUTH/email/start`), carries the security
 *   headers.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';
import { startDevWorker, type DevWorker } from '../helpers/dev-worker.js';
import { chunkedPost, RawConnection, simpleGet, sizedPost } from '../helpers/raw-http.js';

let node: LiveServer;
let worker: DevWorker;
beforeAll(async () => {
  [node, worker] = await Promise.all([startLiveServer({ DATABASE_PATH: ':memory:' }), startDevWorker()]);
}, 150_000);
afterAll(async () => {
  await node?.stop();
  await worker?.stop();
});

const targets = () => [
  { name: 'Node', port: Number(new URL(node.base).port), base: node.base },
  { name: 'Worker', port: worker.port, base: worker.base },
];

describe.each(['Node', 'Worker'])('11. on %s', (name) => {
  const target = () => targets().find((t) => t.name === name)!;

  it('a chunked 70 KiB body: 413 with the security headers, and the next request on the connection is answered', async () => {
    const conn = await RawConnection.open(target().port);
    try {
      conn.write(chunkedPost('/auth/email/start', 'localhost', 70 * 1024));
      const refused = await conn.read();
      expect(refused.status).toBe(413);
      expect(JSON.parse(refused.body).error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(refused.headers['x-content-type-options']).toBe('nosniff');
      conn.write(simpleGet('/healthz', 'localhost'));
      const next = await conn.read();
      expect(next.status).toBe(200);
      expect(JSON.parse(next.body)).toEqual({ ok: true });
    } finally {
      conn.close();
    }
  });

  it('a declared 70 KiB body: 413, and the connection still serves', async () => {
    const conn = await RawConnection.open(target().port);
    try {
      conn.write(sizedPost('/auth/email/start', 'localhost', 70 * 1024));
      expect((await conn.read()).status).toBe(413);
      conn.write(simpleGet('/healthz', 'localhost'));
      expect((await conn.read()).status).toBe(200);
    } finally {
      conn.close();
    }
  });

  it('a chunked body under the limit still reaches the route', async () => {
    const conn = await RawConnection.open(target().port);
    try {
      const body = JSON.stringify({ email: 'chunked@example.com' });
      conn.write(
        `POST /auth/email/start HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n` +
          `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`,
      );
      const res = await conn.read();
      expect(res.status).toBe(202);
    } finally {
      conn.close();
    }
  });

  it('every response carries the security headers: odd spellings of API paths, unknown methods, assets', async () => {
    const { base } = target();
    const answers = [
      await fetch(`${base}/AUTH/email/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"email":"a@example.com"}',
      }),
      await fetch(`${base}/auth/email/start`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
      await fetch(`${base}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      await fetch(`${base}/api/nothing-here`),
      await fetch(`${base}/`),
      await fetch(`${base}/account`),
    ];
    for (const res of answers) {
      expect(res.headers.get('x-content-type-options'), `${res.url} ${res.status}`).toBe('nosniff');
      expect(res.headers.get('content-security-policy'), `${res.url} ${res.status}`).toContain(
        "frame-ancestors 'none'",
      );
      expect(res.status, res.url).not.toBe(405);
    }
    // The API's answers stay JSON; the front end's pages stay pages.
    expect(answers[3]!.status).toBe(404);
    expect((await answers[3]!.json()) as unknown).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(answers[4]!.status).toBe(200);
    expect(await answers[4]!.text()).toContain('<div id="app"');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(await (await fetch(`${base}/`)).text())![1]!;
    const asset = await fetch(`${base}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('11. npm run dev:worker -- --state DIR', () => {
  it('keeps its local D1 in the directory given, which started empty', async () => {
    expect(fs.readdirSync(worker.state).length).toBeGreaterThan(0);
    // A first sign-in creates the account (201): there was none before.
    expect(
      (
        await fetch(`${worker.base}/auth/email/start`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"email":"fresh@example.com"}',
        })
      ).status,
    ).toBe(202);
    const outbox = (await (await fetch(`${worker.base}/dev/outbox`)).json()) as {
      messages: { to: string; text: string }[];
    };
    const text = outbox.messages.find((m) => m.to === 'fresh@example.com')!.text;
    const code = /^(\d{6})$/m.exec(text)![1]!;
    const res = await fetch(`${worker.base}/auth/email/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'fresh@example.com', code }),
    });
    expect(res.status).toBe(201);
  });
});
