/** GET /healthz (readiness with reasons) and GET /livez on the real app over a real SQLite file. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(() => h.close());

const health = async () => {
  const res = await h.request('/healthz');
  return { status: res.status, body: (await res.json()) as { ok: boolean; reason?: string } };
};

describe('GET /healthz', () => {
  it('answers 200 {"ok": true} when the database, migrations, signing key and mail queue are fine', async () => {
    expect(await health()).toEqual({ status: 200, body: { ok: true } });
    expect(await (await h.request('/livez')).json()).toEqual({ ok: true });
  });

  it('answers 503 naming a migration that is not applied', async () => {
    h.sqlite.sqlite
      .prepare('DELETE FROM __drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM __drizzle_migrations)')
      .run();
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.ok).toBe(false);
    expect(body.reason).toMatch(/^migrations not current: \d{4}_\w+ is not applied$/);
  });

  it('answers 503 when due mail has waited more than ten minutes (no deliverer running)', async () => {
    const insert = h.sqlite.sqlite.prepare(
      "INSERT INTO mail_queue (id, \"to\", subject, text, html, created_at, status, attempts, next_attempt_at, expires_at) VALUES (?, 'a@example.com', 's', 't', 'h', ?, 'pending', 0, ?, ?)",
    );
    insert.run('recent', h.now(), h.now() - 9 * 60_000, h.now() + 3_600_000);
    expect((await health()).status).toBe(200);
    insert.run('stuck', h.now(), h.now() - 11 * 60_000, h.now() + 3_600_000);
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.reason).toMatch(/^mail queue stuck: a message has been due since /);
  });

  it('answers 503 when the database does not answer, while /livez still answers', async () => {
    h.sqlite.sqlite.close();
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.reason).toMatch(/^database does not answer/);
    expect((await h.request('/livez')).status).toBe(200);
  });
});
