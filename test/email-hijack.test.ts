/**
 * Pre-account hijacking (API.md): an attacker signs up by passkey with somebody else's address
 * before the owner ever uses it. When the owner proves the address by code or link, the attacker's
 * account is replaced, so the attacker's passkey opens nothing the owner uses. The account's own
 * confirmation, proved with that account's Bearer token, is the one case that keeps the passkeys.
 */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendAddressConfirmation, verifyEmailLink } from '../src/auth/email-sign-in.js';
import { findUserById } from '../src/auth/users.js';
import type { Db } from '../src/db/db.js';
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

const rows = <T = Record<string, unknown>>(q: string, ...args: unknown[]) => m.h.sqlite.sqlite.prepare(q).all(...args) as T[];
const origin = () => m.h.config.publicUrl;

/** Signs up by passkey; the sign-up mails the address its confirmation, returned once it has arrived. */
async function passkeySignUp(email: string, device = new SoftAuthenticator()) {
  const confirmation = nextMail();
  const o = await m.h.request('/auth/passkeys/register/options', { body: { email } });
  expect(o.status).toBe(200);
  const response = device.createCredential({ options: (await o.json()) as PublicKeyCredentialCreationOptionsJSON, origin: origin() });
  const res = await m.h.request('/auth/passkeys/register/verify', { body: { response } });
  expect(res.status).toBe(201);
  return { device, body: (await res.json()) as SessionBody, confirmation: await confirmation };
}

async function passkeySignIn(device: SoftAuthenticator) {
  const o = await m.h.request('/auth/passkeys/login/options', { body: {} });
  const response = device.getAssertion({ options: (await o.json()) as PublicKeyCredentialRequestOptionsJSON, origin: origin() });
  return m.h.request('/auth/passkeys/login/verify', { body: { response } });
}

async function nextMail(): Promise<CapturedMail> {
  const before = m.smtp!.received.length;
  return (await m.smtp!.waitFor(before + 1))[before]!;
}

async function requestMail(email: string) {
  const pending = nextMail();
  expect((await m.h.request('/auth/email/start', { body: { email } })).status).toBe(202);
  return pending;
}

const passkeysOf = async (token: string) => ((await (await m.h.request('/auth/passkeys', { token })).json()) as { passkeys: unknown[] }).passkeys;

describe('pre-account hijacking', () => {
  it("an owner proving the address by code gets a fresh account; the attacker's passkey and session open nothing", async () => {
    const attacker = await passkeySignUp('victim@example.com');
    expect(attacker.body.user.emailVerified).toBe(false);
    expect((await passkeySignIn(attacker.device)).status).toBe(200);

    const mail = await requestMail('victim@example.com');
    const res = await m.h.request('/auth/email/verify', { body: { email: 'victim@example.com', code: mail.code } });
    expect(res.status).toBe(201);
    const owner = (await res.json()) as SessionBody;
    expect(owner.user).toMatchObject({ email: 'victim@example.com', emailVerified: true });
    expect(owner.user.id).not.toBe(attacker.body.user.id);

    // The attacker is out: their passkey signs in nowhere, their session is gone.
    expect((await passkeySignIn(attacker.device)).status).toBe(401);
    expect((await m.h.request('/api/me', { token: attacker.body.accessToken })).status).toBe(401);
    // The owner's account has no passkeys, and is the only account of the address.
    expect(await passkeysOf(owner.accessToken)).toEqual([]);
    expect(rows('SELECT id, email_verified FROM users')).toEqual([{ id: owner.user.id, email_verified: 1 }]);
    expect(rows('SELECT count(*) AS n FROM passkeys')).toEqual([{ n: 0 }]);
    const reclaimed = rows<{ user_id: string; detail: string }>("SELECT user_id, detail FROM audit_events WHERE type = 'account.reclaimed'");
    expect(reclaimed).toHaveLength(1);
    expect(reclaimed[0]!.user_id).toBe(attacker.body.user.id);
    expect(JSON.parse(reclaimed[0]!.detail)).toMatchObject({ newUserId: owner.user.id, via: 'code' });
  });

  it('the same by link', async () => {
    const attacker = await passkeySignUp('victim@example.com');
    const mail = await requestMail('victim@example.com');
    const res = await m.h.request('/auth/email/verify', { body: { token: mail.token } });
    expect(res.status).toBe(201);
    expect((await passkeySignIn(attacker.device)).status).toBe(401);
  });

  it("an attacker signing up after the owner asked for a link: the newest message (the attacker's confirmation) is the one that works, and it still reclaims", async () => {
    const early = await requestMail('early@example.com');
    const attacker = await passkeySignUp('early@example.com');
    // One live link per address: the confirmation the sign-up mailed made the earlier one dead.
    expect((await m.h.request('/auth/email/verify', { body: { token: early.token } })).status).toBe(401);
    // The owner, who receives that confirmation, proves the address with it (no Bearer: not the attacker's session).
    const res = await m.h.request('/auth/email/verify', { body: { email: 'early@example.com', code: attacker.confirmation.code } });
    expect(res.status).toBe(201);
    expect(((await res.json()) as SessionBody).user.id).not.toBe(attacker.body.user.id);
    expect((await passkeySignIn(attacker.device)).status).toBe(401);
  });

  it('reads the account again when it changes between the read and the batch (no half-done sign-in)', async () => {
    const mail = await requestMail('swap@example.com');
    // A passkey sign-up lands between verify's read (no account) and its batch.
    let sneakedIn: string | null = null;
    const db: Db = {
      ...m.h.deps.db,
      batch: async (items) => {
        if (sneakedIn === null) {
          sneakedIn = crypto.randomUUID();
          m.h.sqlite.sqlite.prepare('INSERT INTO users (id, email, email_verified, created_at) VALUES (?, ?, 0, ?)').run(sneakedIn, 'swap@example.com', m.h.now());
        }
        return m.h.deps.db.batch(items);
      },
    };
    const result = await verifyEmailLink({ ...m.h.deps, db }, { token: mail.token });
    expect(result.created).toBe(true);
    expect(result.issued.user.id).not.toBe(sneakedIn);
    expect(await findUserById(m.h.deps.db, sneakedIn!)).toBeNull();
    expect(rows('SELECT count(*) AS n FROM users')).toEqual([{ n: 1 }]);
    expect(rows("SELECT count(*) AS n FROM audit_events WHERE type = 'account.reclaimed'")).toEqual([{ n: 1 }]);
  });
});

describe('the confirmation sent after a passkey sign-up', () => {
  async function signUpAndConfirmationMail(email: string) {
    const signUp = await passkeySignUp(email);
    const mail = signUp.confirmation;
    expect(mail.mail.subject).toBe('Confirm your address for Sesame');
    expect(mail.rcptTo).toEqual([email]);
    expect(rows('SELECT purpose, user_id FROM email_tokens WHERE consumed_at IS NULL')).toEqual([{ purpose: 'confirm', user_id: signUp.body.user.id }]);
    return { ...signUp, mail };
  }

  it("proved with that account's own Bearer token: marks it verified and keeps its passkeys (200)", async () => {
    const { body, device, mail } = await signUpAndConfirmationMail('mine@example.com');
    const res = await m.h.request('/auth/email/verify', { body: { token: mail.token }, token: body.accessToken });
    expect(res.status).toBe(200);
    const confirmed = (await res.json()) as SessionBody;
    expect(confirmed.user).toEqual({ id: body.user.id, email: 'mine@example.com', emailVerified: true });
    expect(await passkeysOf(confirmed.accessToken)).toHaveLength(1);
    expect((await passkeySignIn(device)).status).toBe(200);
    expect((await m.h.request('/api/me', { token: body.accessToken })).status).toBe(200);
    expect(rows("SELECT count(*) AS n FROM audit_events WHERE type = 'account.reclaimed'")).toEqual([{ n: 0 }]);
  });

  it('the code works the same way with the Bearer token', async () => {
    const { body, device, mail } = await signUpAndConfirmationMail('code@example.com');
    const res = await m.h.request('/auth/email/verify', { body: { email: 'code@example.com', code: mail.code }, token: body.accessToken });
    expect(res.status).toBe(200);
    expect((await passkeySignIn(device)).status).toBe(200);
  });

  it('without the Bearer token, behaves like a sign-in link: the unverified account is replaced', async () => {
    const { body, device, mail } = await signUpAndConfirmationMail('nobearer@example.com');
    const res = await m.h.request('/auth/email/verify', { body: { token: mail.token } });
    expect(res.status).toBe(201);
    expect(((await res.json()) as SessionBody).user.id).not.toBe(body.user.id);
    expect((await passkeySignIn(device)).status).toBe(401);
  });

  it("with another account's Bearer token, also replaces the unverified account", async () => {
    const { body, device, mail } = await signUpAndConfirmationMail('other@example.com');
    const stranger = await m.h.signIn('stranger@example.com');
    const res = await m.h.request('/auth/email/verify', { body: { token: mail.token }, token: stranger.accessToken });
    expect(res.status).toBe(201);
    const owner = (await res.json()) as SessionBody;
    expect(owner.user.id).not.toBe(body.user.id);
    expect(owner.user.id).not.toBe(stranger.user.id);
    expect((await passkeySignIn(device)).status).toBe(401);
  });

  it('with a Bearer token that is not valid: 401, and nothing is used up or changed', async () => {
    const { body, device, mail } = await signUpAndConfirmationMail('stale@example.com');
    for (const headers of [{ authorization: 'Bearer not.a.token' }, { authorization: 'Basic abc' }]) {
      const res = await m.h.request('/auth/email/verify', { body: { token: mail.token }, headers });
      expect(res.status).toBe(401);
    }
    expect(rows('SELECT consumed_at FROM email_tokens')).toEqual([{ consumed_at: null }]);
    const res = await m.h.request('/auth/email/verify', { body: { token: mail.token }, token: body.accessToken });
    expect(res.status).toBe(200);
    expect((await passkeySignIn(device)).status).toBe(200);
  });

  it('sendAddressConfirmation counts against the mail limit and says when it sent nothing', async () => {
    const { body } = await signUpAndConfirmationMail('limit@example.com');
    const user = (await findUserById(m.h.deps.db, body.user.id))!;
    for (let i = 1; i < m.h.config.rateLimitEmailsPerHour; i++) expect(await sendAddressConfirmation(m.h.deps, { user })).toEqual({ queued: true });
    expect(await sendAddressConfirmation(m.h.deps, { user })).toEqual({ queued: false });
    await m.settle();
    expect(m.smtp!.received.filter((x) => x.rcptTo[0] === 'limit@example.com')).toHaveLength(m.h.config.rateLimitEmailsPerHour);
  });

  it('a later sign-in request makes the confirmation link dead', async () => {
    const { mail } = await signUpAndConfirmationMail('newer@example.com');
    await requestMail('newer@example.com');
    expect((await m.h.request('/auth/email/verify', { body: { token: mail.token } })).status).toBe(401);
  });
});
