/**
 * The account's life (issue 11, item 3) through HTTP on the real app, mail over a real SMTP
 * conversation: changing the address (no enumeration), deleting the account, its security
 * activity, security notices, and the sessions list's sign-in method.
 */
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { refreshCookieOf } from './helpers/harness.js';
import { createMailHarness, type CapturedMail, type MailHarness } from './helpers/smtp-capture.js';
import { SoftAuthenticator } from './helpers/soft-authenticator.js';

let m: MailHarness;
beforeEach(async () => {
  m = await createMailHarness();
});
afterEach(() => m.close());

interface SessionBody {
  accessToken: string;
  user: { id: string; email: string; emailVerified: boolean };
}

const rows = <T = Record<string, unknown>>(q: string, ...args: unknown[]) =>
  m.h.sqlite.sqlite.prepare(q).all(...args) as T[];
const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

/** Every message that reached the SMTP server so far, once delivery has settled. */
async function delivered(): Promise<CapturedMail[]> {
  await m.settle();
  return m.smtp!.received;
}

async function mailsTo(email: string) {
  return (await delivered()).filter((mail) => mail.rcptTo.includes(email));
}

/** Signs up by code (verify-first): the account and its first session. */
async function signUp(email: string) {
  const before = (await delivered()).length;
  expect((await m.h.request('/auth/email/start', { body: { email } })).status).toBe(202);
  const [mail] = (await m.smtp!.waitFor(before + 1)).slice(before);
  const res = await m.h.request('/auth/email/verify', {
    body: { email, code: mail!.code },
    headers: { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Chrome/131.0 Safari/537.36' },
  });
  expect(res.status).toBe(201);
  return { res, body: (await res.json()) as SessionBody };
}

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

async function addPasskey(token: string, name?: string) {
  const device = new SoftAuthenticator();
  const o = await m.h.request('/auth/passkeys/register/options', { body: {}, token });
  const response = device.createCredential({
    options: (await o.json()) as PublicKeyCredentialCreationOptionsJSON,
    origin: m.h.config.publicUrl,
  });
  const res = await m.h.request('/auth/passkeys/register/verify', {
    body: name ? { response, name } : { response },
    token,
    headers: { 'user-agent': FIREFOX_LINUX },
  });
  expect(res.status).toBe(201);
  return { device, id: response.id };
}

describe('changing the address', () => {
  it('proves the new address by link; the account moves, sessions live on with the new email, the old address gets a notice', async () => {
    const { res: signedUp, body } = await signUp('old@example.com');
    const other = await m.h.signIn('old@example.com');
    const before = (await delivered()).length;
    const start = await m.h.request('/auth/email/change', {
      body: { email: 'New@Example.com' },
      token: body.accessToken,
    });
    expect(start.status).toBe(202);
    expect(await start.json()).toEqual({ ok: true });
    const [message] = (await m.smtp!.waitFor(before + 1)).slice(before);
    expect(message!.rcptTo).toEqual(['new@example.com']);
    expect(message!.mail.subject).toMatch(/Confirm your new address/);
    expect(message!.code).toMatch(/^\d{6}$/);
    // Nothing changed yet.
    expect(rows('SELECT email FROM users')).toEqual([{ email: 'old@example.com' }]);
    // A change link is not a sign-in link.
    expect((await m.h.request('/auth/email/verify', { body: { token: message!.token } })).status).toBe(401);

    const info = await m.h.request(`/auth/email/link-info?token=${message!.token}`);
    expect(await info.json()).toMatchObject({ email: 'new@example.com', purpose: 'change' });
    const verified = await m.h.request('/auth/email/change/verify', { body: { token: message!.token } });
    expect(verified.status).toBe(200);
    expect(await verified.json()).toEqual({
      user: { id: body.user.id, email: 'new@example.com', emailVerified: true },
    });
    expect(rows('SELECT email, email_verified FROM users')).toEqual([{ email: 'new@example.com', email_verified: 1 }]);

    // Both sessions live on, and their next access tokens carry the new address.
    for (const cookie of [refreshCookieOf(signedUp)!, other.refreshToken]) {
      const refreshed = await m.h.request('/auth/refresh', { body: {}, cookie });
      expect(refreshed.status).toBe(200);
      expect(decodeJwt(((await refreshed.json()) as SessionBody).accessToken)).toMatchObject({
        email: 'new@example.com',
        email_verified: true,
      });
    }
    // The old address is told, with no link or code in the notice.
    const notices = await mailsTo('old@example.com');
    const notice = notices.at(-1)!;
    expect(notice.mail.subject).toMatch(/new email address/);
    expect(notice.mail.text).toContain('new@example.com');
    expect(notice.code).toBe('');
    // The link works once.
    expect((await m.h.request('/auth/email/change/verify', { body: { token: message!.token } })).status).toBe(401);
    // Signing in now works with the new address, into the same account.
    expect(rows("SELECT count(*) AS n FROM audit_events WHERE type = 'account.email_changed'")).toEqual([{ n: 1 }]);
  });

  it('proves the new address by code, and counts wrong codes', async () => {
    const { body } = await signUp('ada@example.com');
    const before = (await delivered()).length;
    expect(
      (await m.h.request('/auth/email/change', { body: { email: 'ada2@example.com' }, token: body.accessToken }))
        .status,
    ).toBe(202);
    const [message] = (await m.smtp!.waitFor(before + 1)).slice(before);
    const wrong = message!.code === '000000' ? '111111' : '000000';
    const bad = await m.h.request('/auth/email/change/verify', { body: { email: 'ada2@example.com', code: wrong } });
    expect(bad.status).toBe(401);
    expect(await errorCode(bad)).toBe('INVALID_CODE');
    expect(rows('SELECT failed_attempts FROM email_tokens WHERE email = ?', 'ada2@example.com')).toEqual([
      { failed_attempts: 1 },
    ]);
    const ok = await m.h.request('/auth/email/change/verify', {
      body: { email: 'ADA2@example.com', code: message!.code },
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { user: { email: string } }).user.email).toBe('ada2@example.com');
  });

  it('answers a taken address exactly as a free one, mails its owner a notice, and never moves the account', async () => {
    const { body } = await signUp('asker@example.com');
    await signUp('owner@example.com');
    const before = (await delivered()).length;
    const free = await m.h.request('/auth/email/change', {
      body: { email: 'free@example.com' },
      token: body.accessToken,
    });
    const taken = await m.h.request('/auth/email/change', {
      body: { email: 'owner@example.com' },
      token: body.accessToken,
    });
    expect(taken.status).toBe(free.status);
    expect(await taken.text()).toBe(await free.text());
    const headers = (r: Response) => {
      const out: [string, string][] = [];
      r.headers.forEach((v, k) => {
        if (k !== 'date') out.push([k, v]);
      });
      return out;
    };
    expect(headers(taken)).toEqual(headers(free));

    const [, toOwner] = (await m.smtp!.waitFor(before + 2)).slice(before);
    expect(toOwner!.rcptTo).toEqual(['owner@example.com']);
    expect(toOwner!.mail.subject).toMatch(/tried to use your address/);
    // The owner's notice carries nothing that could prove the address for someone else.
    expect(toOwner!.token).toBe('');
    expect(toOwner!.code).toBe('');
    expect(
      rows("SELECT count(*) AS n FROM email_tokens WHERE email = 'owner@example.com' AND purpose = 'change'"),
    ).toEqual([{ n: 0 }]);
    expect(rows('SELECT email FROM users WHERE id = ?', body.user.id)).toEqual([{ email: 'asker@example.com' }]);
  });

  it('answers before it looks the address up, so a taken address cannot be told from a free one by timing', async () => {
    const { body } = await signUp('asker@example.com');
    await signUp('owner@example.com');
    await m.settle();
    const queued = () =>
      rows<{ n: number }>(
        "SELECT count(*) AS n FROM mail_queue WHERE \"to\" IN ('owner@example.com', 'free@example.com')",
      )[0]!.n;
    const changeRows = () =>
      rows<{ n: number }>("SELECT count(*) AS n FROM email_tokens WHERE purpose = 'change'")[0]!.n;
    const queuedAtStart = queued();
    for (const email of ['owner@example.com', 'free@example.com']) {
      const before = { email, queued: queued(), changeRows: changeRows() };
      expect((await m.h.request('/auth/email/change', { body: { email }, token: body.accessToken })).status).toBe(202);
      // At the answer, neither branch has run: no notice queued, no link made.
      expect({ email, queued: queued(), changeRows: changeRows() }).toEqual(before);
      await m.settle();
    }
    // Afterwards each branch did its part: a notice to the owner, a link and code to the free address.
    expect(queued() - queuedAtStart).toBe(2);
    expect(changeRows()).toBe(1);
  });

  it('refuses the change when the address got an account between the request and the proof', async () => {
    const { body } = await signUp('first@example.com');
    const before = (await delivered()).length;
    expect(
      (await m.h.request('/auth/email/change', { body: { email: 'raced@example.com' }, token: body.accessToken }))
        .status,
    ).toBe(202);
    const [message] = (await m.smtp!.waitFor(before + 1)).slice(before);
    // Someone signs up with that address meanwhile (their own sign-in kills the change link: one live row per address).
    await m.h.signIn('raced@example.com');
    const res = await m.h.request('/auth/email/change/verify', { body: { token: message!.token } });
    expect(res.status).toBe(401);
    expect(rows('SELECT email FROM users WHERE id = ?', body.user.id)).toEqual([{ email: 'first@example.com' }]);
  });

  it('needs a recent sign-in, a valid address, and a different one', async () => {
    const { body } = await signUp('ada@example.com');
    expect((await m.h.request('/auth/email/change', { body: { email: 'x@example.com' } })).status).toBe(401);
    expect(
      (await m.h.request('/auth/email/change', { body: { email: 'not an address' }, token: body.accessToken })).status,
    ).toBe(400);
    expect(
      (await m.h.request('/auth/email/change', { body: { email: 'ADA@example.com' }, token: body.accessToken })).status,
    ).toBe(400);
    m.h.advance(m.h.config.reauthWindow * 1000 + 1);
    const old = await m.h.request('/auth/email/change', { body: { email: 'x@example.com' }, token: body.accessToken });
    expect(old.status).toBe(401);
    expect(await errorCode(old)).toBe('REAUTH_REQUIRED');
    expect(rows("SELECT count(*) AS n FROM email_tokens WHERE purpose = 'change'")).toEqual([{ n: 0 }]);
  });
});

describe('deleting the account', () => {
  it('removes the account, its passkeys, sessions and pending mail; its tokens answer 401; audit rows keep no address', async () => {
    const { res: signedUp, body } = await signUp('gone@example.com');
    await addPasskey(body.accessToken, 'Laptop');
    // A pending link to the address, and a failed code that named it in the audit log.
    expect((await m.h.request('/auth/email/start', { body: { email: 'gone@example.com' } })).status).toBe(202);
    await m.h.request('/auth/email/verify', { body: { email: 'gone@example.com', code: '000000' } });
    await m.settle();
    const before = (await delivered()).length;

    const res = await m.h.request('/api/me', { method: 'DELETE', token: body.accessToken });
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect(rows('SELECT * FROM users')).toEqual([]);
    expect(rows('SELECT * FROM passkeys')).toEqual([]);
    expect(rows('SELECT * FROM sessions')).toEqual([]);
    expect(rows('SELECT * FROM refresh_tokens')).toEqual([]);
    expect(rows('SELECT * FROM email_tokens')).toEqual([]);
    // Audit rows stay, anonymous: no row anywhere holds the address.
    expect(
      rows("SELECT count(*) AS n FROM audit_events WHERE type = 'account.deleted' AND user_id = ?", body.user.id),
    ).toEqual([{ n: 1 }]);
    expect(JSON.stringify(rows('SELECT * FROM audit_events'))).not.toContain('gone@example.com');
    // Its tokens and cookie are dead.
    expect((await m.h.request('/api/me', { token: body.accessToken })).status).toBe(401);
    expect((await m.h.request('/auth/refresh', { body: {}, cookie: refreshCookieOf(signedUp)! })).status).toBe(401);
    // The address is told, and only mail queued after the deletion (that notice) remains.
    const [notice] = (await m.smtp!.waitFor(before + 1)).slice(before);
    expect(notice!.mail.subject).toMatch(/account was deleted/);
    expect(rows('SELECT subject FROM mail_queue')).toEqual([{ subject: notice!.mail.subject }]);
    // The address is free again: a new sign-up makes a new account.
    const again = await m.h.signIn('gone@example.com');
    expect(again.user.id).not.toBe(body.user.id);
  });

  it('needs a recent sign-in (401 REAUTH_REQUIRED, nothing deleted)', async () => {
    const { body } = await signUp('stay@example.com');
    m.h.advance(m.h.config.reauthWindow * 1000 + 1);
    const res = await m.h.request('/api/me', { method: 'DELETE', token: body.accessToken });
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe('REAUTH_REQUIRED');
    expect(rows('SELECT count(*) AS n FROM users')).toEqual([{ n: 1 }]);
  });
});

describe('security activity and notices', () => {
  it('lists sign-ins with method and device, passkeys added and removed, address changes and revocations, newest first', async () => {
    const { body } = await signUp('act@example.com');
    m.h.advance(1000);
    const { device, id } = await addPasskey(body.accessToken, 'Laptop');
    m.h.advance(1000);
    const o = await m.h.request('/auth/passkeys/login/options', { body: {} });
    const assertion = device.getAssertion({
      options: (await o.json()) as PublicKeyCredentialRequestOptionsJSON,
      origin: m.h.config.publicUrl,
    });
    const viaPasskey = (await (
      await m.h.request('/auth/passkeys/login/verify', {
        body: { response: assertion },
        headers: {
          'user-agent':
            'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Version/18.0 Mobile/15E148 Safari/604.1',
        },
      })
    ).json()) as SessionBody;
    m.h.advance(1000);
    expect(
      (
        await m.h.request(`/auth/sessions/${decodeJwt(viaPasskey.accessToken).sid}`, {
          method: 'DELETE',
          token: body.accessToken,
        })
      ).status,
    ).toBe(204);
    m.h.advance(1000);
    expect((await m.h.request(`/auth/passkeys/${id}`, { method: 'DELETE', token: body.accessToken })).status).toBe(204);

    const res = await m.h.request('/api/me/activity', { token: body.accessToken });
    expect(res.status).toBe(200);
    const { events } = (await res.json()) as {
      events: { type: string; at: string; method?: string; userAgent?: string; ip?: string; passkeyId?: string }[];
    };
    expect(events.map((e) => e.type)).toEqual([
      'passkey_removed',
      'session_revoked',
      'sign_in',
      'passkey_added',
      'sign_in',
      'account_created',
    ]);
    expect(events[2]).toMatchObject({
      method: 'passkey',
      ip: '127.0.0.1',
      userAgent: expect.stringContaining('iPhone'),
    });
    expect(events[4]).toMatchObject({ method: 'email' });
    expect(events[0]!.passkeyId).toBe(id);
    expect(Date.parse(events[0]!.at)).toBeGreaterThan(Date.parse(events.at(-1)!.at));
    // Only the caller's own events.
    const other = await m.h.signIn('other@example.com');
    const theirs = (await (await m.h.request('/api/me/activity', { token: other.accessToken })).json()) as {
      events: { type: string }[];
    };
    expect(theirs.events.map((e) => e.type)).toEqual(['sign_in']);
  });

  it('mails the account a notice when a passkey is added and when one is removed, naming it and the device', async () => {
    const { body } = await signUp('notes@example.com');
    const before = (await delivered()).length;
    const { id } = await addPasskey(body.accessToken, 'Work laptop');
    expect((await m.h.request(`/auth/passkeys/${id}`, { method: 'DELETE', token: body.accessToken })).status).toBe(204);
    const [added, removed] = (await m.smtp!.waitFor(before + 2)).slice(before);
    expect(added!.rcptTo).toEqual(['notes@example.com']);
    expect(added!.mail.subject).toMatch(/passkey was added/);
    expect(added!.mail.text).toContain('“Work laptop”');
    expect(removed!.mail.subject).toMatch(/passkey was removed/);
    expect(removed!.mail.text).toContain('“Work laptop”');
    expect(added!.mail.text).toMatch(/on [A-Z][a-z]+ \d{1,2}, \d{4} at \d{2}:\d{2} UTC, from Firefox on Linux\./);
  });

  it('lists sessions with the sign-in method', async () => {
    const { body } = await signUp('sessions@example.com');
    const { device } = await addPasskey(body.accessToken);
    const o = await m.h.request('/auth/passkeys/login/options', { body: {} });
    const assertion = device.getAssertion({
      options: (await o.json()) as PublicKeyCredentialRequestOptionsJSON,
      origin: m.h.config.publicUrl,
    });
    expect((await m.h.request('/auth/passkeys/login/verify', { body: { response: assertion } })).status).toBe(200);
    const { sessions } = (await (await m.h.request('/auth/sessions', { token: body.accessToken })).json()) as {
      sessions: { method: string; current: boolean }[];
    };
    expect(sessions.map((s) => [s.method, s.current]).sort()).toEqual([
      ['email', true],
      ['passkey', false],
    ]);
  });
});
