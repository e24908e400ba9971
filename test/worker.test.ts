/**
 * The Worker on the real Workers runtime, offline: `npm run dev:worker` (wrangler dev --local,
 * local D1 with the migrations applied), driven over HTTP like any client would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/free-port.js';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { SoftAuthenticator } from './helpers/soft-authenticator.js';
import {
  generateDbscKey,
  parseChallengeHeader,
  parseRegistrationOffer,
  refreshProof,
  registrationProof,
} from './helpers/dbsc-client.js';
import { startReceiver, TEST_WEBHOOK_SECRET, type Receiver } from './helpers/webhook-receiver.js';

const root = path.resolve(import.meta.dirname, '..');
let child: ChildProcess;
let base: string;
let publicUrl: string;
let output = '';
let persist: string;
let receiver: Receiver;
const BOOTSTRAP_SECRET = 'bootstrap-secret-for-the-worker-test-0123456789';

beforeAll(async () => {
  receiver = await startReceiver({ secret: TEST_WEBHOOK_SECRET });
  const [port, inspector] = [await freePort(), await freePort()];
  persist = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-worker-'));
  base = `http://127.0.0.1:${port}`;
  publicUrl = `http://localhost:${port}`;
  child = spawn(process.execPath, ['scripts/dev-worker.mjs'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(port),
      INSPECTOR_PORT: String(inspector),
      WRANGLER_PERSIST_TO: persist,
      PUBLIC_URL: publicUrl,
      RATE_LIMIT_PER_MINUTE: '100000',
      RATE_LIMIT_EMAILS_PER_HOUR: '1000',
      REFRESH_REUSE_WINDOW: '2',
      DBSC_COOKIE_TTL: '3',
      ADMIN_BOOTSTRAP_SECRET: BOOTSTRAP_SECRET,
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    },
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 110_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`wrangler dev did not start:\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}, 120_000);

afterAll(async () => {
  if (child?.pid && child.exitCode === null) {
    process.kill(-child.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  fs.rmSync(persist, { recursive: true, force: true });
  await receiver?.stop();
});

const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const cookieOf = (res: Response) =>
  /__Host-sesame_refresh=([^;]*)/.exec(res.headers.getSetCookie().join('\n'))?.[1] ?? null;

async function emailSignIn(email: string) {
  expect((await post('/auth/email/start', { email })).status).toBe(202);
  let message: { to: string; text: string } | undefined;
  for (let i = 0; i < 20 && !message; i++) {
    const outbox = (await (await fetch(`${base}/dev/outbox`)).json()) as { messages: { to: string; text: string }[] };
    message = outbox.messages.find((m) => m.to === email);
    if (!message) await new Promise((r) => setTimeout(r, 100));
  }
  const token = /[?&#]token=([A-Za-z0-9_-]+)/.exec(message!.text)![1]!;
  return { token, code: /\b(\d{6})\b/.exec(message!.text)![1]! };
}

describe('the Worker (wrangler dev, local D1)', () => {
  it('serves health, the front end and a JWKS', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app"');
    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string; alg: string }[];
    };
    expect(jwks.keys[0]).toMatchObject({ alg: 'ES256', kty: 'EC' });
  });

  it('signs in by emailed link read from the outbox; the token verifies offline; the link page does not burn it', async () => {
    const { token } = await emailSignIn('worker-link@example.com');
    const page = await fetch(`${base}/auth/email/verify?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const res = await post('/auth/email/verify', { token });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { accessToken: string; user: { email: string; emailVerified: boolean } };
    expect(body.user).toMatchObject({ email: 'worker-link@example.com', emailVerified: true });
    const jwks = createLocalJWKSet((await (await fetch(`${base}/.well-known/jwks.json`)).json()) as never);
    const { payload } = await jwtVerify(body.accessToken, jwks, {
      issuer: publicUrl,
      audience: publicUrl,
      algorithms: ['ES256'],
      typ: 'at+jwt',
    });
    expect(payload.amr).toEqual(['otp']);
    expect((await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${body.accessToken}` } })).status).toBe(
      200,
    );
    expect((await post('/auth/email/verify', { token })).status).toBe(401);
  });

  it('signs in by code', async () => {
    const { code } = await emailSignIn('worker-code@example.com');
    expect((await post('/auth/email/verify', { email: 'worker-code@example.com', code })).status).toBe(201);
  });

  it('rotates refresh tokens, tolerates a racing replay, detects late reuse, and logs out', async () => {
    const { token } = await emailSignIn('worker-refresh@example.com');
    const first = cookieOf(await post('/auth/email/verify', { token }))!;
    const rotated = await post('/auth/refresh', {}, { cookie: `__Host-sesame_refresh=${first}` });
    expect(rotated.status).toBe(200);
    const second = cookieOf(rotated)!;
    expect(second).not.toBe(first);
    const replay = await post('/auth/refresh', {}, { cookie: `__Host-sesame_refresh=${first}` });
    expect(replay.status).toBe(200);
    expect(cookieOf(replay)).toBe(second);
    await new Promise((r) => setTimeout(r, 2500));
    const late = await post('/auth/refresh', {}, { cookie: `__Host-sesame_refresh=${first}` });
    expect(late.status).toBe(401);
    expect((await post('/auth/refresh', {}, { cookie: `__Host-sesame_refresh=${second}` })).status).toBe(401);

    const again = cookieOf(
      await post('/auth/email/verify', (await emailSignIn('worker-refresh@example.com')) as never),
    )!;
    expect((await post('/auth/logout', {}, { cookie: `__Host-sesame_refresh=${again}` })).status).toBe(204);
    expect((await post('/auth/refresh', {}, { cookie: `__Host-sesame_refresh=${again}` })).status).toBe(401);
  });

  it('signs up verify-first (code), adds a passkey, and signs in with it (software authenticator)', async () => {
    const authenticator = new SoftAuthenticator();
    expect((await post('/auth/passkeys/register/options', {})).status).toBe(401);
    const { code } = await emailSignIn('worker-passkey@example.com');
    const signedUp = await post('/auth/email/verify', { email: 'worker-passkey@example.com', code });
    expect(signedUp.status).toBe(201);
    const { accessToken: first } = (await signedUp.json()) as { accessToken: string };
    const bearer = { authorization: `Bearer ${first}` };
    const options = await post('/auth/passkeys/register/options', {}, bearer);
    expect(options.status).toBe(200);
    const response = authenticator.createCredential({ options: (await options.json()) as never, origin: publicUrl });
    const created = await post('/auth/passkeys/register/verify', { response }, { origin: publicUrl, ...bearer });
    expect(created.status).toBe(201);

    const loginOptions = await post('/auth/passkeys/login/options', {});
    const assertion = authenticator.getAssertion({ options: (await loginOptions.json()) as never, origin: publicUrl });
    const signedIn = await post('/auth/passkeys/login/verify', { response: assertion }, { origin: publicUrl });
    expect(signedIn.status).toBe(200);
    const { accessToken } = (await signedIn.json()) as { accessToken: string };
    const list = await fetch(`${base}/auth/passkeys`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(((await list.json()) as { passkeys: unknown[] }).passkeys).toHaveLength(1);
  });

  it('writes mails and the app shell in German on workerd for a German Accept-Language', async () => {
    const email = 'worker-de@example.com';
    expect((await post('/auth/email/start', { email }, { 'accept-language': 'de-DE,de;q=0.9' })).status).toBe(202);
    let message: { to: string; subject: string; text: string } | undefined;
    for (let i = 0; i < 20 && !message; i++) {
      const outbox = (await (await fetch(`${base}/dev/outbox`)).json()) as {
        messages: { to: string; subject: string; text: string }[];
      };
      message = outbox.messages.find((m) => m.to === email);
      if (!message) await new Promise((r) => setTimeout(r, 100));
    }
    // ICU plurals and Intl dates through @formatjs/intl on the Workers runtime.
    expect(message!.subject).toBe('Bei Sesame anmelden');
    expect(message!.text).toContain('Link und Code laufen in 10 Minuten ab');
    expect(message!.text).toMatch(/am \d{1,2}\. \p{L}+ \d{4} um \d{2}:\d{2} UTC\./u);
    const shell = await fetch(`${base}/`, { headers: { 'accept-language': 'de' } });
    const html = await shell.text();
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('<link rel="stylesheet" href="/branding.css">');
    expect(await (await fetch(`${base}/branding.css`)).text()).toContain('--brand:#2b54c4');
  });
  it('binds a session to a device key (DBSC, WebCrypto ES256) and enforces DBSC_COOKIE_TTL on the Worker', async () => {
    const { token } = await emailSignIn('worker-dbsc@example.com');
    // Node's fetch sends Fetch Metadata as a browser does: the sign-in response carries the offer.
    const verified = await post('/auth/email/verify', { token });
    const offer = parseRegistrationOffer(verified.headers.get('secure-session-registration'))!;
    expect(offer.algorithms).toEqual(['ES256']);
    const browser = { 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'same-origin' };
    const refreshed = await post(
      '/auth/refresh',
      {},
      { cookie: `__Host-sesame_refresh=${cookieOf(verified)!}`, ...browser },
    );
    expect(refreshed.status).toBe(200);
    // Every response of the unbound session repeats the same offer (API.md), with no new row.
    expect(parseRegistrationOffer(refreshed.headers.get('secure-session-registration'))?.challenge).toBe(
      offer.challenge,
    );
    const { accessToken } = (await refreshed.json()) as { accessToken: string };
    // Chromium's DBSC requests: POST, no body, no Content-Type.
    const dbsc = (p: string, headers: Record<string, string>) => fetch(`${base}${p}`, { method: 'POST', headers });
    const key = generateDbscKey();
    const registered = await dbsc('/auth/dbsc/register', {
      'secure-session-response': registrationProof(key, offer.challenge),
    });
    expect(registered.status).toBe(200);
    const config = (await registered.json()) as { session_identifier: string; refresh_url: string };
    expect(config.refresh_url).toBe('/auth/dbsc/refresh');
    const sid = config.session_identifier;
    const bound = cookieOf(registered)!;
    expect(registered.headers.getSetCookie().join('\n')).toContain('Max-Age=3;');
    const listed = (await (
      await fetch(`${base}/auth/sessions`, { headers: { authorization: `Bearer ${accessToken}` } })
    ).json()) as { sessions: { id: string; deviceBound: boolean }[] };
    expect(listed.sessions.find((s) => s.id === sid)?.deviceBound).toBe(true);

    await new Promise((r) => setTimeout(r, 3500));
    // Past DBSC_COOKIE_TTL the cookie alone is refused, and the session is untouched.
    const late = await post('/auth/refresh', {}, { cookie: `__Host-sesame_refresh=${bound}` });
    expect(late.status).toBe(401);
    expect(((await late.json()) as { error: { code: string } }).error.code).toBe('DBSC_PROOF_REQUIRED');
    const challenged = await dbsc('/auth/dbsc/refresh', { 'sec-secure-session-id': sid });
    expect(challenged.status).toBe(403);
    const { challenge, id } = parseChallengeHeader(challenged.headers.get('secure-session-challenge'))!;
    expect(id).toBe(sid);
    // Another key's proof fails; the bound key's proof renews.
    expect(
      (
        await dbsc('/auth/dbsc/refresh', {
          'sec-secure-session-id': sid,
          'secure-session-response': refreshProof(generateDbscKey(), challenge),
        })
      ).status,
    ).toBe(401);
    const renewed = await dbsc('/auth/dbsc/refresh', {
      'sec-secure-session-id': sid,
      'secure-session-response': refreshProof(key, challenge),
    });
    expect(renewed.status).toBe(200);
    const next = cookieOf(renewed)!;
    expect((await post('/auth/refresh', {}, { cookie: `__Host-sesame_refresh=${next}` })).status).toBe(200);
  }, 30_000);

  it('exchanges ADMIN_BOOTSTRAP_SECRET once for a stored admin key that opens the admin API', async () => {
    const bootstrap = (secret: string, name: string) =>
      post('/admin/bootstrap', { name }, { authorization: `Bearer ${secret}` });
    expect((await bootstrap('not-the-secret', 'first')).status).toBe(401);
    const made = await bootstrap(BOOTSTRAP_SECRET, 'first');
    expect(made.status).toBe(201);
    const { key, scopes } = (await made.json()) as { key: string; scopes: string[] };
    expect(key).toMatch(/^sak_[0-9a-f]{12}_/);
    expect(scopes).toEqual(['users:read', 'users:write', 'metrics:read']);
    // Once only: the secret opens nothing after the first key exists.
    const again = await bootstrap(BOOTSTRAP_SECRET, 'second');
    expect(again.status).toBe(409);

    const { token } = await emailSignIn('worker-admin@example.com');
    const signedIn = (await (await post('/auth/email/verify', { token })).json()) as {
      accessToken: string;
      user: { id: string };
    };
    const admin = { authorization: `Bearer ${key}` };
    const found = (await (await fetch(`${base}/admin/users?query=worker-admin`, { headers: admin })).json()) as {
      users: { id: string }[];
    };
    expect(found.users.map((u) => u.id)).toEqual([signedIn.user.id]);
    const disabled = await post(`/admin/users/${signedIn.user.id}/disable`, {}, admin);
    expect(disabled.status).toBe(200);
    const me = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${signedIn.accessToken}` } });
    expect(me.status).toBe(401);
    expect(((await me.json()) as { error: { code: string } }).error.code).toBe('ACCOUNT_DISABLED');
    const audit = (await (await fetch(`${base}/admin/audit?type=admin.*`, { headers: admin })).json()) as {
      events: { type: string; detail: { keyName: string } }[];
    };
    expect(audit.events[0]).toMatchObject({ type: 'admin.user_disabled', detail: { keyName: 'first' } });
  });

  it('posts signed webhooks after the request (waitUntil) and retries from the cron trigger', async () => {
    const created = (email: string) =>
      [...receiver.delivered().values()].find(
        (r) =>
          r.payload?.type === 'user.created' && (r.payload.data as { user: { email: string } }).user.email === email,
      );
    const { token } = await emailSignIn('worker-hook@example.com');
    expect((await post('/auth/email/verify', { token })).status).toBe(201);
    await receiver.waitFor(() => created('worker-hook@example.com') !== undefined);
    expect(created('worker-hook@example.com')!.verifyError).toBeNull();

    // The receiver fails the first try; the cron trigger delivers the retry with the same webhook-id.
    receiver.mode = 'error';
    const again = await emailSignIn('worker-hook-retry@example.com');
    const verified = await post('/auth/email/verify', { token: again.token });
    expect(verified.status).toBe(201);
    const { user } = (await verified.json()) as { user: { id: string } };
    const ofThisUser = (r: { payload: { data: Record<string, unknown> } | null }) =>
      r.payload?.data.userId === user.id || (r.payload?.data.user as { id?: string } | undefined)?.id === user.id;
    await receiver.waitFor(() => receiver.received.some((r) => r.status === 503 && ofThisUser(r)));
    const refused = receiver.received.find((r) => r.status === 503 && ofThisUser(r))!;
    receiver.mode = 'ok';
    // The first retry is due 5 s (+-20%) after the failure.
    await new Promise((r) => setTimeout(r, 6500));
    expect((await fetch(`${base}/__scheduled?cron=*+*+*+*+*`)).status).toBe(200);
    await receiver.waitFor(() => receiver.delivered().has(refused.id));
    expect(receiver.delivered().get(refused.id)!.body).toBe(refused.body);
  });
});
