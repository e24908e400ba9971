/**
 * Passkey flows through HTTP on the real app: adding a passkey to a signed-in account (verify-first:
 * accounts are made by proving an address), sign-in, re-authentication, listing, renaming and
 * deleting passkeys, with a software authenticator. Refusals are in passkeys-refusals.test.ts.
 */
import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { createHarness, refreshCookieOf, type Harness } from './helpers/harness.js';
import { SoftAuthenticator, type GetAssertionOpts } from './helpers/soft-authenticator.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(() => h.close());

interface SessionBody {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  user: { id: string; email: string; emailVerified: boolean };
}
interface PasskeyBody {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  backedUp: boolean;
  transports: string[];
}

const rows = <T = Record<string, unknown>>(q: string, ...args: unknown[]) =>
  h.sqlite.sqlite.prepare(q).all(...args) as T[];
const origin = () => h.config.publicUrl;

async function registrationOptions(body: unknown, token?: string) {
  const res = await h.request('/auth/passkeys/register/options', { body, token });
  return { res, options: res.status === 200 ? ((await res.json()) as PublicKeyCredentialCreationOptionsJSON) : null };
}

/** An account (made as the emailed code makes it) with a first passkey; returns its session body and the device. */
async function signUp(email: string, device = new SoftAuthenticator(), name?: string) {
  const issued = await h.signIn(email);
  const body: SessionBody = {
    accessToken: issued.accessToken,
    tokenType: 'Bearer',
    expiresIn: issued.expiresIn,
    user: { id: issued.user.id, email: issued.user.email, emailVerified: issued.user.emailVerified },
  };
  const { res, credentialId, options } = await addPasskey(body.accessToken, device, name);
  expect(res.status).toBe(201);
  return { res, body, device, credentialId, options };
}

async function signIn(device: SoftAuthenticator, opts: Partial<GetAssertionOpts> = {}) {
  const o = await h.request('/auth/passkeys/login/options', { body: {} });
  const options = (await o.json()) as PublicKeyCredentialRequestOptionsJSON;
  const response = device.getAssertion({ options, origin: origin(), ...opts });
  return h.request('/auth/passkeys/login/verify', { body: { response } });
}

async function addPasskey(token: string, device = new SoftAuthenticator(), name?: string) {
  const { options } = await registrationOptions({}, token);
  const response = device.createCredential({ options: options!, origin: origin() });
  const res = await h.request('/auth/passkeys/register/verify', {
    body: name === undefined ? { response } : { response, name },
    token,
  });
  return { res, device, credentialId: response.id, options: options! };
}

const list = async (token: string) =>
  ((await (await h.request('/auth/passkeys', { token })).json()) as { passkeys: PasskeyBody[] }).passkeys;

describe('adding the first passkey (verify-first)', () => {
  it('answers 401 without a Bearer token, whatever the body (no account is made by a passkey)', async () => {
    for (const body of [{}, { email: 'ada@example.com' }]) {
      const { res } = await registrationOptions(body);
      expect(res.status, JSON.stringify(body)).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    }
    const verify = await h.request('/auth/passkeys/register/verify', { body: { response: {} } });
    expect(verify.status).toBe(401);
    expect(rows('SELECT * FROM webauthn_challenges')).toEqual([]);
    expect(rows('SELECT * FROM users')).toEqual([]);
  });

  it('offers creation options per API.md bound to the user, and keeps only the hash of the challenge', async () => {
    const issued = await h.signIn('ada@example.com');
    const { res, options } = await registrationOptions({}, issued.accessToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const o = options!;
    expect(o.rp).toEqual({ id: 'localhost', name: 'Sesame' });
    expect(o.user.name).toBe('ada@example.com');
    // The user handle is the bytes of the user id (a UUID).
    expect(Buffer.from(o.user.id, 'base64url').toString('utf8')).toBe(issued.user.id);
    expect(o.pubKeyCredParams.map((p) => p.alg)).toEqual([-7, -8, -257]);
    expect(o.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'preferred' });
    expect(o.attestation).toBe('none');
    expect(o.excludeCredentials).toEqual([]);
    expect(o.timeout).toBe(300_000);
    expect(Buffer.from(o.challenge, 'base64url').length).toBeGreaterThanOrEqual(16);

    const stored = rows<{
      hash: string;
      ceremony: string;
      user_id: string | null;
      expires_at: number;
      created_at: number;
    }>('SELECT * FROM webauthn_challenges');
    expect(stored).toHaveLength(1);
    expect(stored[0]!.hash).toBe(createHash('sha256').update(o.challenge).digest('base64url'));
    expect(stored[0]).toMatchObject({ ceremony: 'registration', user_id: issued.user.id });
    expect(stored[0]!.expires_at - stored[0]!.created_at).toBe(300_000);
    // The challenge text itself is nowhere in the database.
    expect(JSON.stringify(rows('SELECT * FROM webauthn_challenges'))).not.toContain(o.challenge);
  });

  it('stores the passkey of the verified account and consumes the challenge; no second session', async () => {
    const { res, body, credentialId } = await signUp('ada@example.com', new SoftAuthenticator(), '  Laptop  ');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(body.user.emailVerified).toBe(true);
    const [pk] = rows<Record<string, unknown>>('SELECT * FROM passkeys');
    expect(pk).toMatchObject({
      id: credentialId,
      user_id: body.user.id,
      name: 'Laptop',
      counter: 0,
      transports: '["internal"]',
      backup_eligible: 0,
      backed_up: 0,
      device_type: 'singleDevice',
      aaguid: '00000000-0000-0000-0000-000000000000',
      created_at: h.now(),
      last_used_at: null,
    });
    expect(typeof pk!.public_key).toBe('string');
    expect(rows('SELECT count(*) AS n FROM sessions')).toEqual([{ n: 1 }]);
    expect(rows('SELECT * FROM webauthn_challenges')).toEqual([]);
    expect(rows('SELECT email_verified FROM users')).toEqual([{ email_verified: 1 }]);
    expect(rows("SELECT type FROM audit_events WHERE type = 'passkey.registered'")).toHaveLength(1);
  });

  it('names a passkey after its provider when the AAGUID is known, else after the browser and OS, and lists aaguid and provider', async () => {
    const apple = new SoftAuthenticator({
      aaguid: Uint8Array.from(Buffer.from('fbfc3007154e4ecc8c0b6e020557d7bd', 'hex')),
      backupEligible: true,
      backedUp: true,
    });
    const issued = await h.signIn('named@example.com');
    const o = await registrationOptions({}, issued.accessToken);
    const response = apple.createCredential({ options: o.options!, origin: origin() });
    expect(
      (await h.request('/auth/passkeys/register/verify', { body: { response }, token: issued.accessToken })).status,
    ).toBe(201);
    const o2 = await registrationOptions({}, issued.accessToken);
    const other = new SoftAuthenticator().createCredential({ options: o2.options!, origin: origin() });
    const ua = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
    expect(
      (
        await h.request('/auth/passkeys/register/verify', {
          body: { response: other },
          token: issued.accessToken,
          headers: { 'user-agent': ua },
        })
      ).status,
    ).toBe(201);
    // Both were added at the same (fixed) clock time, so find each by its AAGUID, not by list order.
    const listed = await list(issued.accessToken);
    expect(listed).toHaveLength(2);
    const apple_ = 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd';
    const first = listed.find((p) => (p as unknown as { aaguid: string }).aaguid === apple_)!;
    const second = listed.find((p) => (p as unknown as { aaguid: string }).aaguid !== apple_)!;
    expect(first).toMatchObject({
      name: 'Apple Passwords',
      aaguid: 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd',
      provider: { name: 'Apple Passwords' },
    });
    expect((first as unknown as { provider: { iconLight: string; iconDark: string } }).provider.iconLight).toMatch(
      /^data:image\//,
    );
    expect((first as unknown as { provider: { iconDark: string } }).provider.iconDark).toMatch(/^data:image\//);
    expect(second).toMatchObject({ name: 'Firefox on Linux', provider: null });
  });

  it('uses the default name "Passkey" when none is given', async () => {
    const { body } = await signUp('bo@example.com');
    expect((await list(body.accessToken))[0]!.name).toBe('Passkey');
  });
});

describe('passkey sign-in', () => {
  it('offers discoverable options: empty allowCredentials, UV preferred, our RP id', async () => {
    const res = await h.request('/auth/passkeys/login/options', { body: {} });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const o = (await res.json()) as PublicKeyCredentialRequestOptionsJSON;
    expect(o.allowCredentials).toEqual([]);
    expect(o.userVerification).toBe('preferred');
    expect(o.rpId).toBe('localhost');
    expect(Buffer.from(o.challenge, 'base64url').length).toBe(32);
    expect(rows('SELECT ceremony, user_id FROM webauthn_challenges')).toEqual([
      { ceremony: 'authentication', user_id: null },
    ]);
  });

  it('signs in with a session response, hwk + user, and advances the counter', async () => {
    const { device, body: signedUp, credentialId } = await signUp('ada@example.com');
    h.advance(60_000);
    const res = await signIn(device);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(refreshCookieOf(res)).toBeTruthy();
    const body = (await res.json()) as SessionBody;
    expect(body.user).toEqual(signedUp.user);
    const claims = decodeJwt(body.accessToken);
    expect(claims.amr).toEqual(['hwk', 'user']);
    expect(claims.sid).not.toBe(decodeJwt(signedUp.accessToken).sid);
    expect(rows('SELECT counter, last_used_at FROM passkeys WHERE id = ?', credentialId)).toEqual([
      { counter: 1, last_used_at: h.now() },
    ]);
    expect(rows('SELECT * FROM webauthn_challenges')).toEqual([]);

    h.advance(1000);
    expect((await signIn(device)).status).toBe(200);
    expect(rows('SELECT counter FROM passkeys')).toEqual([{ counter: 2 }]);
  });

  it('gives a synced (multi-device) passkey swk and records its backup state', async () => {
    const device = new SoftAuthenticator({ backupEligible: true, backedUp: false, algorithm: 'EdDSA' });
    const { body: first } = await signUp('syn@example.com', device);
    expect(decodeJwt(first.accessToken).amr).toEqual(['otp']);
    expect((await list(first.accessToken))[0]!.backedUp).toBe(false);
    device.backedUp = true;
    const res = await signIn(device);
    expect(res.status).toBe(200);
    expect(decodeJwt(((await res.json()) as SessionBody).accessToken).amr).toEqual(['swk', 'user']);
    expect(rows('SELECT backed_up, device_type FROM passkeys')).toEqual([{ backed_up: 1, device_type: 'multiDevice' }]);
  });

  it('accepts an assertion without a user handle (looked up by credential id)', async () => {
    const { device } = await signUp('ada@example.com');
    expect((await signIn(device, { userHandleOverride: null })).status).toBe(200);
  });
});

describe('adding a passkey (Bearer)', () => {
  it('excludes the existing passkeys, binds the challenge to the user, and answers 201 {passkey}', async () => {
    const { body, credentialId, options: signUpOptions } = await signUp('ada@example.com');
    const { res: optRes, options } = await registrationOptions({}, body.accessToken);
    expect(optRes.status).toBe(200);
    expect(options!.user).toEqual(signUpOptions.user);
    expect(options!.excludeCredentials).toEqual([{ id: credentialId, type: 'public-key', transports: ['internal'] }]);
    expect(rows('SELECT ceremony, user_id FROM webauthn_challenges')).toEqual([
      { ceremony: 'registration', user_id: body.user.id },
    ]);

    const phone = new SoftAuthenticator({ backupEligible: true, backedUp: true });
    const response = phone.createCredential({ options: options!, origin: origin() });
    h.advance(5000);
    const res = await h.request('/auth/passkeys/register/verify', {
      body: { response, name: 'Phone' },
      token: body.accessToken,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('set-cookie')).toBeNull();
    const { passkey } = (await res.json()) as { passkey: PasskeyBody };
    expect(passkey).toEqual({
      id: response.id,
      name: 'Phone',
      createdAt: new Date(h.now()).toISOString(),
      lastUsedAt: null,
      backedUp: true,
      transports: ['internal'],
      aaguid: '00000000-0000-0000-0000-000000000000',
      provider: null,
    });
    expect(rows('SELECT count(*) AS n FROM sessions')).toEqual([{ n: 1 }]);
    // Both devices now sign in to the same account.
    const viaPhone = (await (await signIn(phone)).json()) as SessionBody;
    expect(viaPhone.user.id).toBe(body.user.id);
    expect(decodeJwt(viaPhone.accessToken).amr).toEqual(['swk', 'user']);
  });

  it('refuses any body but {} (400), and a bad Bearer token (401)', async () => {
    const { body } = await signUp('ada@example.com');
    expect((await registrationOptions({ email: 'x@example.com' }, body.accessToken)).res.status).toBe(400);
    const bad = await h.request('/auth/passkeys/register/options', {
      body: {},
      headers: { authorization: 'Bearer nope' },
    });
    expect(bad.status).toBe(401);
    expect(rows('SELECT count(*) AS n FROM webauthn_challenges')).toEqual([{ n: 0 }]);
  });
});

describe('managing passkeys', () => {
  it('lists the passkeys oldest first, with ISO times and lastUsedAt null until used', async () => {
    const { body, credentialId, device } = await signUp('ada@example.com', new SoftAuthenticator(), 'Laptop');
    const created = h.now();
    h.advance(1000);
    const { credentialId: second } = await addPasskey(body.accessToken, new SoftAuthenticator(), 'Key');
    h.advance(1000);
    expect((await signIn(device)).status).toBe(200);
    const res = await h.request('/auth/passkeys', { token: body.accessToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const listed = (await res.json()) as { passkeys: PasskeyBody[]; rpId: string; userHandle: string };
    // What the page needs for the WebAuthn Signal API: the RP id and the user handle the authenticator holds.
    expect(listed.rpId).toBe(h.config.rpId);
    expect(listed.userHandle).toBe(Buffer.from(body.user.id, 'utf8').toString('base64url'));
    expect(listed.passkeys).toEqual([
      {
        id: credentialId,
        name: 'Laptop',
        createdAt: new Date(created).toISOString(),
        lastUsedAt: new Date(h.now()).toISOString(),
        backedUp: false,
        transports: ['internal'],
        aaguid: '00000000-0000-0000-0000-000000000000',
        provider: null,
      },
      {
        id: second,
        name: 'Key',
        createdAt: new Date(created + 1000).toISOString(),
        lastUsedAt: null,
        backedUp: false,
        transports: ['internal'],
        aaguid: '00000000-0000-0000-0000-000000000000',
        provider: null,
      },
    ]);
    // Another user sees only their own.
    const other = await signUp('bo@example.com');
    expect((await list(other.body.accessToken)).map((p) => p.id)).toEqual([other.credentialId]);
    expect((await h.request('/auth/passkeys')).status).toBe(401);
  });

  it('renames a passkey (trimmed) and audits it', async () => {
    const { body, credentialId } = await signUp('ada@example.com');
    const res = await h.request(`/auth/passkeys/${credentialId}`, {
      method: 'PATCH',
      body: { name: '  Work laptop 💻 ' },
      token: body.accessToken,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { passkey: PasskeyBody }).passkey).toMatchObject({
      id: credentialId,
      name: 'Work laptop 💻',
    });
    expect(rows('SELECT name FROM passkeys')).toEqual([{ name: 'Work laptop 💻' }]);
    expect(rows("SELECT user_id, detail FROM audit_events WHERE type = 'passkey.renamed'")).toEqual([
      { user_id: body.user.id, detail: JSON.stringify({ credentialId }) },
    ]);
  });

  it("refuses names that are empty, too long or carry control characters (400), and others' passkeys (404)", async () => {
    const { body, credentialId } = await signUp('ada@example.com', new SoftAuthenticator(), 'Laptop');
    for (const name of ['', '   ', 'x'.repeat(65), 'bell\u0007', 'two\nlines', 'rtl\u202eevil', 42, null]) {
      const res = await h.request(`/auth/passkeys/${credentialId}`, {
        method: 'PATCH',
        body: { name },
        token: body.accessToken,
      });
      expect(res.status, JSON.stringify(name)).toBe(400);
    }
    expect(
      (
        await h.request(`/auth/passkeys/${credentialId}`, {
          method: 'PATCH',
          body: { name: 'x'.repeat(64) },
          token: body.accessToken,
        })
      ).status,
    ).toBe(200);
    const other = await signUp('bo@example.com');
    const theirs = await h.request(`/auth/passkeys/${credentialId}`, {
      method: 'PATCH',
      body: { name: 'Mine now' },
      token: other.body.accessToken,
    });
    expect(theirs.status).toBe(404);
    expect(
      (await h.request('/auth/passkeys/AAAA', { method: 'PATCH', body: { name: 'x' }, token: body.accessToken }))
        .status,
    ).toBe(404);
    expect(rows('SELECT name FROM passkeys WHERE id = ?', credentialId)).toEqual([{ name: 'x'.repeat(64) }]);
  });

  it("deletes a passkey (204) and audits it; another user's passkey is 404", async () => {
    const { body, credentialId } = await signUp('ada@example.com');
    const { credentialId: second } = await addPasskey(body.accessToken);
    const other = await signUp('bo@example.com');
    expect(
      (await h.request(`/auth/passkeys/${credentialId}`, { method: 'DELETE', token: other.body.accessToken })).status,
    ).toBe(404);
    const res = await h.request(`/auth/passkeys/${credentialId}`, { method: 'DELETE', token: body.accessToken });
    expect(res.status).toBe(204);
    expect((await list(body.accessToken)).map((p) => p.id)).toEqual([second]);
    expect(rows("SELECT user_id, detail FROM audit_events WHERE type = 'passkey.deleted'")).toEqual([
      { user_id: body.user.id, detail: JSON.stringify({ credentialId }) },
    ]);
    expect(
      (await h.request(`/auth/passkeys/${credentialId}`, { method: 'DELETE', token: body.accessToken })).status,
    ).toBe(404);
  });

  it('deletes the last passkey too (the proved address is always a way in)', async () => {
    const { body, credentialId } = await signUp('ada@example.com');
    expect(
      (await h.request(`/auth/passkeys/${credentialId}`, { method: 'DELETE', token: body.accessToken })).status,
    ).toBe(204);
    expect(rows('SELECT * FROM passkeys')).toEqual([]);
  });
});

describe('/openapi.json', () => {
  it('documents every passkey route with its request schemas', async () => {
    const doc = (await (await h.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown; security?: unknown }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths['/auth/passkeys/register/options']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/auth/passkeys/register/verify']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/auth/passkeys/login/options']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/auth/passkeys/login/verify']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/auth/passkeys']!)).toEqual(['get']);
    expect(Object.keys(doc.paths['/auth/passkeys/{id}']!).sort()).toEqual(['delete', 'patch']);
    for (const name of [
      'RegistrationResponseJSON',
      'AuthenticationResponseJSON',
      'Passkey',
      'PublicKeyCredentialCreationOptionsJSON',
      'PublicKeyCredentialRequestOptionsJSON',
    ])
      expect(doc.components.schemas).toHaveProperty(name);
    expect(doc.paths['/auth/passkeys/register/verify']!.post!.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/auth/passkeys/login/verify']!.post!.security).toEqual([{ bearerAuth: [] }, {}]);
  });
});
