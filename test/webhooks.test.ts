/**
 * Webhooks (API.md "Events") on the real app and a real HTTP receiver that verifies every
 * signature with the `standardwebhooks` package. Time is the harness clock; the Date the
 * receiver's verifier reads is moved with it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAdminKey } from '../src/admin/admin-keys.js';
import { deliverDueWebhooks, MAX_ATTEMPTS, RETRY_DELAYS_MS } from '../src/webhooks/deliver.js';
import { createHarness, refreshCookieOf, type Harness } from './helpers/harness.js';
import { SoftAuthenticator } from './helpers/soft-authenticator.js';
import { startReceiver, TEST_WEBHOOK_SECRET, type Receiver } from './helpers/webhook-receiver.js';
import { startTestServer } from './helpers/node-server.js';

let h: Harness;
let receiver: Receiver;
let adminKey: string;

beforeEach(async () => {
  receiver = await startReceiver({ secret: TEST_WEBHOOK_SECRET });
  h = await createHarness({ env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: TEST_WEBHOOK_SECRET } });
  adminKey = (await createAdminKey(h.deps, { name: 'ops', scopes: ['users:read', 'users:write'], createdBy: 'cli' }))!
    .key;
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(async () => {
  vi.useRealTimers();
  await receiver.stop();
  await h.close();
});

/** One delivery run at the harness's time. */
const deliver = () => {
  vi.setSystemTime(h.now());
  return deliverDueWebhooks(h.deps);
};
const rows = (q: string, ...args: unknown[]) => h.sqlite.sqlite.prepare(q).all(...args) as Record<string, unknown>[];

async function emailSignIn(email: string) {
  expect((await h.request('/auth/email/start', { body: { email } })).status).toBe(202);
  const outbox = (await (await h.request('/dev/outbox')).json()) as { messages: { to: string; text: string }[] };
  const code = /\b(\d{6})\b/.exec(outbox.messages.find((m) => m.to === email)!.text)![1]!;
  const res = await h.request('/auth/email/verify', { body: { email, code } });
  const body = (await res.json()) as { accessToken: string; user: { id: string } };
  return { accessToken: body.accessToken, userId: body.user.id, cookie: refreshCookieOf(res)! };
}

describe('events', () => {
  it('posts every event of the contract, each signed per Standard Webhooks, with the documented data', async () => {
    const a = await emailSignIn('events@example.com');
    const device = new SoftAuthenticator();
    const options = await (
      await h.request('/auth/passkeys/register/options', { body: {}, token: a.accessToken })
    ).json();
    const response = device.createCredential({ options: options as never, origin: h.config.publicUrl });
    expect(
      (await h.request('/auth/passkeys/register/verify', { body: { response }, token: a.accessToken })).status,
    ).toBe(201);
    expect((await h.request(`/auth/passkeys/${response.id}`, { method: 'DELETE', token: a.accessToken })).status).toBe(
      204,
    );
    expect((await h.request('/auth/logout', { body: {}, cookie: a.cookie })).status).toBe(204);
    const b = await emailSignIn('events@example.com');
    const admin = (p: string, method = 'POST') =>
      h.request(p, { method, token: adminKey, ...(method === 'POST' ? { body: {} } : {}) });
    expect((await admin(`/admin/users/${b.userId}/disable`)).status).toBe(200);
    expect((await admin(`/admin/users/${b.userId}/enable`)).status).toBe(200);
    expect((await admin(`/admin/users/${b.userId}`, 'DELETE')).status).toBe(204);

    // Nothing is posted inside a request: the outbox holds every event until the deliverer runs.
    expect(receiver.received).toEqual([]);
    const report = await deliver();
    expect(report).toEqual({ delivered: 10, retry: 0, dead: 0 });
    for (const r of receiver.received) expect(r.verifyError).toBeNull();
    const byType = (type: string) =>
      receiver.received.filter((r) => r.payload!.type === type).map((r) => r.payload!.data);
    const user = { id: a.userId, email: 'events@example.com' };
    expect(byType('user.created')).toEqual([{ user }]);
    expect(byType('session.created')).toEqual(
      expect.arrayContaining([{ userId: a.userId, sessionId: expect.any(String) }]),
    );
    expect(byType('session.created')).toHaveLength(2);
    expect(byType('passkey.created')).toEqual([{ userId: a.userId, passkeyId: response.id }]);
    expect(byType('passkey.deleted')).toEqual([{ userId: a.userId, passkeyId: response.id }]);
    // Logout of session a, then the disable revoked session b.
    expect(byType('session.revoked')).toHaveLength(2);
    expect(byType('user.disabled')).toEqual([{ user }]);
    expect(byType('user.enabled')).toEqual([{ user }]);
    expect(byType('user.deleted')).toEqual([{ user }]);
    for (const r of receiver.received) {
      expect(r.id).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(new Date(r.payload!.timestamp).toISOString()).toBe(r.payload!.timestamp);
    }
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(10);
    expect(rows("SELECT count(*) AS n FROM webhook_events WHERE status = 'delivered'")).toEqual([{ n: 10 }]);
  });

  it('a receiver down for an hour loses nothing: retries with backoff keep the webhook-id, and each event arrives once by id', async () => {
    await receiver.stop();
    for (let i = 0; i < 3; i++) await h.signIn(`down-${i}@example.com`);
    const first = await deliver();
    expect(first).toEqual({ delivered: 0, retry: 1, dead: 0 });
    const [tried] = rows(
      'SELECT attempts, next_attempt_at AS next, last_error AS error FROM webhook_events WHERE attempts = 1',
    );
    // The first retry is due within 30 seconds (API.md), jitter included.
    expect(Number(tried!.next) - h.now()).toBeGreaterThan(0);
    expect(Number(tried!.next) - h.now()).toBeLessThanOrEqual(30_000);
    expect(String(tried!.error)).toMatch(/ECONNREFUSED|fetch failed/);

    for (let minute = 0; minute < 60; minute++) {
      h.advance(60_000);
      await deliver();
    }
    expect(rows("SELECT count(*) AS n FROM webhook_events WHERE status = 'delivered'")).toEqual([{ n: 0 }]);
    // Back, but failing for a while: the retried requests that reach it carry the same id and body.
    await receiver.start();
    receiver.mode = 'error';
    h.advance(3 * 3_600_000);
    await deliver();
    receiver.mode = 'ok';
    for (let i = 0; i < 12 * 6; i++) {
      h.advance(10 * 60_000);
      await deliver();
    }
    const events = rows('SELECT id, body, status FROM webhook_events');
    expect(events).toHaveLength(3);
    const delivered = receiver.delivered();
    expect([...delivered.keys()].sort()).toEqual(events.map((e) => e.id).sort());
    for (const e of events) {
      expect(e.status).toBe('delivered');
      expect(delivered.get(String(e.id))!.body).toBe(e.body);
    }
    const refused = receiver.received.find((r) => r.status === 503)!;
    expect(delivered.get(refused.id)!.body).toBe(refused.body);
    expect(delivered.get(refused.id)!.timestamp).not.toBe(refused.timestamp);
    expect(receiver.received.filter((r) => r.status === 204)).toHaveLength(3);
  });

  it('counts 3xx (never followed), 4xx, 5xx and a dropped connection as failures, and dead-letters after the last try', async () => {
    await h.signIn('rude@example.com');
    for (const mode of ['redirect', 'client_error', 'reset', 'error'] as const) {
      receiver.mode = mode;
      const report = await deliver();
      expect(report, mode).toEqual({ delivered: 0, retry: 1, dead: 0 });
      h.advance(RETRY_DELAYS_MS.at(-1)! * 1.3);
    }
    expect(receiver.received.map((r) => r.status)).toEqual([307, 410, 'reset', 503]);
    let last = { delivered: 0, retry: 0, dead: 0 };
    for (let i = 4; i < MAX_ATTEMPTS; i++) {
      last = await deliver();
      h.advance(RETRY_DELAYS_MS.at(-1)! * 1.3);
    }
    expect(last).toEqual({ delivered: 0, retry: 0, dead: 1 });
    expect(receiver.received).toHaveLength(MAX_ATTEMPTS);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1);
    expect(await deliver()).toEqual({ delivered: 0, retry: 0, dead: 0 });

    const audit = (await (await h.request('/admin/audit?type=webhook.dead', { token: adminKey })).json()) as {
      events: { detail: Record<string, unknown> }[];
    };
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]!.detail).toMatchObject({
      webhookId: receiver.received[0]!.id,
      eventType: 'session.created',
      attempts: MAX_ATTEMPTS,
      lastError: 'HTTP 503',
    });
  });

  it('names the address in user.deleted when a person deletes their own account, and the audit log keeps none', async () => {
    const a = await emailSignIn('leaving@example.com');
    expect((await h.request('/api/me', { method: 'DELETE', token: a.accessToken })).status).toBe(204);
    const c = await emailSignIn('removed@example.com');
    expect((await h.request(`/admin/users/${c.userId}`, { method: 'DELETE', token: adminKey })).status).toBe(204);
    await deliver();
    const deleted = receiver.received.filter((r) => r.payload!.type === 'user.deleted').map((r) => r.payload!.data);
    expect(deleted).toEqual([
      { user: { id: a.userId, email: 'leaving@example.com' } },
      { user: { id: c.userId, email: 'removed@example.com' } },
    ]);
    // The history stays, anonymous: the address went to the application, not into the kept log.
    expect(
      rows("SELECT type FROM audit_events WHERE type IN ('account.deleted', 'admin.user_deleted') ORDER BY id"),
    ).toEqual([{ type: 'account.deleted' }, { type: 'admin.user_deleted' }]);
    // (The owner's deletion notice, sent after the batch, is the one later row that names its address.)
    expect(JSON.stringify(rows('SELECT * FROM audit_events WHERE user_id = ?', a.userId))).not.toContain(
      'leaving@example.com',
    );
    expect(JSON.stringify(rows('SELECT * FROM audit_events'))).not.toContain('removed@example.com');
  });

  it('writes an event only with its change: a sign-in that fails writes none', async () => {
    expect(
      (await h.request('/auth/email/verify', { body: { email: 'nobody@example.com', code: '123456' } })).status,
    ).toBe(401);
    expect(rows('SELECT count(*) AS n FROM webhook_events')).toEqual([{ n: 0 }]);
  });
});

describe('a receiver that hangs', () => {
  it('never blocks sign-ins on a real server', async () => {
    vi.useRealTimers();
    const hanging = await startReceiver({ secret: TEST_WEBHOOK_SECRET });
    hanging.mode = 'hang';
    const s = await startTestServer({ env: { WEBHOOK_URL: hanging.url, WEBHOOK_SECRET: TEST_WEBHOOK_SECRET } });
    try {
      await s.signInByEmail('first@example.com');
      await hanging.waitFor(() => hanging.received.length > 0);
      // The deliverer is stuck on that request now; sign-ins go on regardless.
      for (let i = 0; i < 5; i++) expect((await s.signInByEmail(`while-hanging-${i}@example.com`)).status).toBe(201);
      expect(hanging.received).toHaveLength(1);
    } finally {
      await s.close();
      await hanging.stop();
    }
  });
});
