/**
 * Every way a passkey ceremony can be refused, through HTTP on the real app. Each refusal must
 * answer the documented 4xx (never a 500) and leave accounts, passkeys and sessions exactly as
 * they were. (Consuming the challenge is by design: a response is verified at most once.)
 */
import { createECDH, createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { createHarness, type Harness } from './helpers/harness.js';
import {
  SoftAuthenticator,
  b64url,
  flipSignatureBit,
  type CreateCredentialOpts,
  type GetAssertionOpts,
} from './helpers/soft-authenticator.js';
import { decodeCbor, decodeCborFirst, encodeCbor, type CborValue } from './helpers/cbor.js';
import {
  authenticationVectorJSON,
  noneEs256Authentication,
  noneEs256Registration,
  registrationVectorJSON,
} from './fixtures/webauthn-l3-vectors.js';
import { aroundNextBatch } from './helpers/intercept-batch.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(() => h.close());

interface SessionBody {
  accessToken: string;
  user: { id: string; email: string; emailVerified: boolean };
}

const rows = <T = Record<string, unknown>>(q: string, ...args: unknown[]) =>
  h.sqlite.sqlite.prepare(q).all(...args) as T[];
const origin = () => h.config.publicUrl;

/** The stored state a refusal must not touch. */
function state() {
  return {
    users: rows('SELECT * FROM users ORDER BY id'),
    passkeys: rows('SELECT * FROM passkeys ORDER BY id'),
    sessions: rows('SELECT * FROM sessions ORDER BY id'),
    refreshTokens: rows('SELECT * FROM refresh_tokens ORDER BY hash'),
    // No confirmation mail for a sign-up that did not happen.
    emailTokens: rows('SELECT * FROM email_tokens ORDER BY id'),
    mail: rows('SELECT * FROM mail_queue ORDER BY id'),
  };
}

/** Runs the request, asserts status and error code, and that nothing of `state()` changed. */
async function expectRefused(send: () => Promise<Response>, status: number, code?: string) {
  const before = state();
  const res = await send();
  const body = (await res.json()) as { error?: { code: string; message: string } };
  expect(res.status, JSON.stringify(body)).toBe(status);
  if (code) expect(body.error?.code).toBe(code);
  expect(state()).toEqual(before);
  return body;
}

/** A registration prepared beforehand (its account exists already), sent and refused without a change. */
const expectRefusedRegistration = (response: RegistrationResponseJSON, status: number, code?: string) =>
  expectRefused(() => registerVerify({ response }), status, code);

async function registrationOptions(body: unknown, token?: string) {
  const res = await h.request('/auth/passkeys/register/options', { body, token });
  expect(res.status).toBe(200);
  return (await res.json()) as PublicKeyCredentialCreationOptionsJSON;
}

async function loginOptions() {
  const res = await h.request('/auth/passkeys/login/options', { body: {} });
  expect(res.status).toBe(200);
  return (await res.json()) as PublicKeyCredentialRequestOptionsJSON;
}

/** The signed-in account each prepared registration response belongs to (verify-first: only accounts add passkeys). */
const ownerToken = new Map<string, string>();
/** The account of the newest prepared response: tampered copies (another id) still go out signed in. */
let lastOwnerToken: string | undefined;
const registerVerify = (
  body: { response: object } & Record<string, unknown>,
  token = ownerToken.get(String((body.response as { id?: unknown }).id)) ?? lastOwnerToken,
) => h.request('/auth/passkeys/register/verify', { body, token });
const loginVerify = (body: unknown) => h.request('/auth/passkeys/login/verify', { body });

/** A registration response for the account of `email` (signed in now, made when new), not yet sent. */
async function signUpResponse(
  email: string,
  device = new SoftAuthenticator(),
  opts: Partial<CreateCredentialOpts> = {},
) {
  const { accessToken } = await h.signIn(email);
  const options = await registrationOptions({}, accessToken);
  const response = device.createCredential({ options, origin: origin(), ...opts });
  ownerToken.set(response.id, accessToken);
  lastOwnerToken = accessToken;
  return response;
}

async function signUp(email: string, device = new SoftAuthenticator()) {
  const response = await signUpResponse(email, device);
  const res = await registerVerify({ response });
  expect(res.status).toBe(201);
  return {
    device,
    body: { accessToken: ownerToken.get(response.id)!, user: (await h.signIn(email)).user } as SessionBody,
  };
}

async function assertion(device: SoftAuthenticator, opts: Partial<GetAssertionOpts> = {}) {
  return device.getAssertion({ options: await loginOptions(), origin: origin(), ...opts });
}

const withResponse = <T extends { response: object }>(r: T, patch: Record<string, unknown>): T => ({
  ...r,
  response: { ...r.response, ...patch },
});
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

describe('replays and expiry', () => {
  it('refuses a replayed registration response (the challenge was used up)', async () => {
    const response = await signUpResponse('ada@example.com');
    expect((await registerVerify({ response })).status).toBe(201);
    await expectRefused(() => registerVerify({ response }), 401, 'CHALLENGE_EXPIRED');
  });

  it('refuses a replayed sign-in response', async () => {
    const { device } = await signUp('ada@example.com');
    const response = await assertion(device);
    expect((await loginVerify({ response })).status).toBe(200);
    await expectRefused(() => loginVerify({ response }), 401, 'CHALLENGE_EXPIRED');
  });

  it('refuses a response whose challenge is older than 5 minutes', async () => {
    const { device } = await signUp('ada@example.com');
    const signInResponse = await assertion(device);
    const registration = await signUpResponse('bo@example.com');
    h.advance(5 * 60_000 + 1);
    await expectRefused(() => loginVerify({ response: signInResponse }), 401, 'CHALLENGE_EXPIRED');
    await expectRefused(() => registerVerify({ response: registration }), 401, 'CHALLENGE_EXPIRED');
  });

  it('accepts a response just inside the 5 minutes', async () => {
    const { device } = await signUp('ada@example.com');
    const response = await assertion(device);
    h.advance(5 * 60_000 - 1);
    expect((await loginVerify({ response })).status).toBe(200);
  });

  it('refuses a challenge that was never issued', async () => {
    const { device } = await signUp('ada@example.com');
    const response = await assertion(device);
    const forged = withResponse(response, {
      clientDataJSON: b64(JSON.stringify({ type: 'webauthn.get', challenge: 'A'.repeat(43), origin: origin() })),
    });
    await expectRefused(() => loginVerify({ response: forged }), 401, 'CHALLENGE_EXPIRED');
  });
});

describe('ceremony mix-ups', () => {
  it('refuses a registration response sent to the sign-in route, and leaves its challenge usable', async () => {
    const registration = await signUpResponse('ada@example.com');
    await expectRefused(() => loginVerify({ response: registration }), 400, 'INVALID_REQUEST');
    // Even shaped like an assertion, a webauthn.create client data is not a sign-in.
    const shaped = withResponse(registration, {
      authenticatorData: registration.response.authenticatorData,
      signature: 'AAAA',
    });
    await expectRefused(() => loginVerify({ response: shaped }), 401, 'INVALID_CREDENTIAL');
    expect((await registerVerify({ response: registration })).status).toBe(201);
  });

  it('refuses a sign-in response sent to the registration route', async () => {
    const { device } = await signUp('ada@example.com');
    const signInResponse = await assertion(device);
    const { accessToken } = await h.signIn('ada@example.com');
    await expectRefused(() => registerVerify({ response: signInResponse }, accessToken), 400, 'INVALID_REQUEST');
    const shaped = withResponse(signInResponse, {
      attestationObject: b64url.encode(encodeCbor(new Map([['fmt', 'none']]))),
    });
    await expectRefused(() => registerVerify({ response: shaped }, accessToken), 400, 'INVALID_REQUEST');
    expect((await loginVerify({ response: signInResponse })).status).toBe(200);
  });

  it("refuses one user's registration challenge used by another", async () => {
    const ada = await signUp('ada@example.com');
    const bo = await signUp('bo@example.com');
    // Cy's challenge is not for adding a passkey to Ada's account.
    const signUpResp = await signUpResponse('cy@example.com');
    await expectRefused(() => registerVerify({ response: signUpResp }, ada.body.accessToken), 401, 'CHALLENGE_EXPIRED');
    // Ada's add-a-passkey challenge, answered into Bo's account.
    const adaOptions = await registrationOptions({}, ada.body.accessToken);
    const stolen = new SoftAuthenticator().createCredential({ options: adaOptions, origin: origin() });
    await expectRefused(() => registerVerify({ response: stolen }, bo.body.accessToken), 401, 'CHALLENGE_EXPIRED');
    // ... or sent without a token to create an account.
    await expectRefused(() => registerVerify({ response: stolen }), 401, 'CHALLENGE_EXPIRED');
    expect((await registerVerify({ response: stolen }, ada.body.accessToken)).status).toBe(201);
  });
});

describe('what the signature covers', () => {
  it('refuses a wrong origin (registration and sign-in)', async () => {
    await expectRefusedRegistration(
      await signUpResponse('ada@example.com', undefined, { origin: 'https://evil.example' }),
      401,
      'INVALID_CREDENTIAL',
    );
    const { device } = await signUp('bo@example.com');
    await expectRefused(
      async () => loginVerify({ response: await assertion(device, { origin: 'https://evil.example' }) }),
      401,
      'INVALID_CREDENTIAL',
    );
    await expectRefused(
      async () => loginVerify({ response: await assertion(device, { origin: 'http://localhost:3001' }) }),
      401,
      'INVALID_CREDENTIAL',
    );
  });

  it('refuses a wrong RP id (registration and sign-in)', async () => {
    await expectRefusedRegistration(
      await signUpResponse('ada@example.com', undefined, { rpId: 'evil.example' }),
      401,
      'INVALID_CREDENTIAL',
    );
    const { device } = await signUp('bo@example.com');
    const credentialId = device.credentials[0]!.id;
    await expectRefused(
      async () => loginVerify({ response: await assertion(device, { rpId: 'evil.example', credentialId }) }),
      401,
      'INVALID_CREDENTIAL',
    );
  });

  it('refuses clientData.crossOrigin = true', async () => {
    await expectRefusedRegistration(
      await signUpResponse('ada@example.com', undefined, { crossOrigin: true }),
      401,
      'INVALID_CREDENTIAL',
    );
    const { device } = await signUp('bo@example.com');
    await expectRefused(
      async () => loginVerify({ response: await assertion(device, { crossOrigin: true }) }),
      401,
      'INVALID_CREDENTIAL',
    );
  });

  it('refuses a ceremony without user presence (UP = 0)', async () => {
    await expectRefusedRegistration(
      await signUpResponse('ada@example.com', new SoftAuthenticator({ userPresence: false })),
      401,
      'INVALID_CREDENTIAL',
    );
    const { device } = await signUp('bo@example.com');
    device.userPresence = false;
    await expectRefused(async () => loginVerify({ response: await assertion(device) }), 401, 'INVALID_CREDENTIAL');
  });

  it('allows a ceremony without user verification (UV preferred), and then amr has no "user"', async () => {
    const device = new SoftAuthenticator({ userVerification: false });
    await signUp('ada@example.com', device);
    const res = await loginVerify({ response: await assertion(device) });
    expect(res.status).toBe(200);
    expect(decodeJwt(((await res.json()) as SessionBody).accessToken).amr).toEqual(['hwk']);
    expect(rows("SELECT amr FROM sessions WHERE method = 'passkey'")).toEqual([{ amr: '["hwk"]' }]);
  });

  it("refuses a flipped signature bit, and audits it for the passkey's owner", async () => {
    const { device, body } = await signUp('ada@example.com');
    const response = await assertion(device);
    await expectRefused(() => loginVerify({ response: flipSignatureBit(response) }), 401, 'INVALID_CREDENTIAL');
    expect(rows("SELECT user_id, detail FROM audit_events WHERE type = 'passkey.sign_in_failed'")).toEqual([
      { user_id: body.user.id, detail: JSON.stringify({ credentialId: response.id, reason: 'bad_signature' }) },
    ]);
  });

  it('refuses an unknown credential id with 401 UNKNOWN_CREDENTIAL (the page tells the browser to forget it)', async () => {
    const { device } = await signUp('ada@example.com');
    const response = await assertion(device);
    const unknown = { ...response, id: 'AAAAAAAAAAAAAAAAAAAAAA', rawId: 'AAAAAAAAAAAAAAAAAAAAAA' };
    await expectRefused(() => loginVerify({ response: unknown }), 401, 'UNKNOWN_CREDENTIAL');
  });

  it('refuses a counter that goes backwards or stands still, and audits passkey.counter_regression', async () => {
    const { device, body } = await signUp('ada@example.com');
    expect((await loginVerify({ response: await assertion(device) })).status).toBe(200);
    expect((await loginVerify({ response: await assertion(device) })).status).toBe(200);
    expect(rows('SELECT counter FROM passkeys')).toEqual([{ counter: 2 }]);
    await expectRefused(
      async () => loginVerify({ response: await assertion(device, { counterOverride: 1 }) }),
      401,
      'COUNTER_REPLAY',
    );
    await expectRefused(
      async () => loginVerify({ response: await assertion(device, { counterOverride: 2 }) }),
      401,
      'COUNTER_REPLAY',
    );
    await expectRefused(
      async () => loginVerify({ response: await assertion(device, { counterOverride: 0 }) }),
      401,
      'COUNTER_REPLAY',
    );
    const events = rows<{ user_id: string; detail: string }>(
      "SELECT user_id, detail FROM audit_events WHERE type = 'passkey.counter_regression' ORDER BY id",
    );
    expect(events.map((e) => [e.user_id, JSON.parse(e.detail).stored, JSON.parse(e.detail).received])).toEqual([
      [body.user.id, 2, 1],
      [body.user.id, 2, 2],
      [body.user.id, 2, 0],
    ]);
    // The genuine next value still works.
    expect((await loginVerify({ response: await assertion(device, { counterOverride: 3 }) })).status).toBe(200);
  });

  it('allows counters that stay 0 on both sides (authenticators without a counter)', async () => {
    const { device } = await signUp('ada@example.com');
    expect((await loginVerify({ response: await assertion(device, { counterOverride: 0 }) })).status).toBe(200);
    expect((await loginVerify({ response: await assertion(device, { counterOverride: 0 }) })).status).toBe(200);
  });

  it("refuses a user handle that is not the credential owner's", async () => {
    const ada = await signUp('ada@example.com');
    const bo = await signUp('bo@example.com');
    const adaHandle = b64url.encode(Buffer.from(ada.body.user.id, 'utf8'));
    await expectRefused(
      async () => loginVerify({ response: await assertion(bo.device, { userHandleOverride: adaHandle }) }),
      401,
      'INVALID_CREDENTIAL',
    );
    expect(
      rows<{ detail: string }>("SELECT detail FROM audit_events WHERE type = 'passkey.sign_in_failed'").map(
        (e) => JSON.parse(e.detail).reason,
      ),
    ).toEqual(['user_handle_mismatch']);
  });

  it('refuses a change of backup eligibility', async () => {
    const { device } = await signUp('ada@example.com');
    device.backupEligible = true;
    await expectRefused(async () => loginVerify({ response: await assertion(device) }), 401, 'INVALID_CREDENTIAL');
  });

  it('refuses backup state without backup eligibility', async () => {
    await expectRefusedRegistration(
      await signUpResponse('ada@example.com', new SoftAuthenticator({ backedUp: true })),
      401,
      'INVALID_CREDENTIAL',
    );
  });
});

describe('credential ids', () => {
  it('refuses an id already registered (409 CREDENTIAL_EXISTS), for a sign-up and for adding a passkey', async () => {
    const credentialId = new Uint8Array(32).fill(7);
    const ada = await signUp('ada@example.com', new SoftAuthenticator());
    const taken = await registerVerify({
      response: await signUpResponse('bo@example.com', new SoftAuthenticator(), { credentialId }),
    });
    expect(taken.status).toBe(201);
    await expectRefusedRegistration(
      await signUpResponse('cy@example.com', new SoftAuthenticator(), { credentialId }),
      409,
      'CREDENTIAL_EXISTS',
    );
    const options = await registrationOptions({}, ada.body.accessToken);
    const again = new SoftAuthenticator().createCredential({ options, origin: origin(), credentialId });
    await expectRefused(() => registerVerify({ response: again }, ada.body.accessToken), 409, 'CREDENTIAL_EXISTS');
    expect(rows('SELECT user_id FROM passkeys ORDER BY user_id')).toHaveLength(2);
  });

  it('holds at most 20 passkeys an account: 409 TOO_MANY_PASSKEYS from options, and from verify when one was added in between', async () => {
    const { accessToken } = await h.signIn('many@example.com');
    const add = async () => {
      const options = await registrationOptions({}, accessToken);
      return registerVerify(
        { response: new SoftAuthenticator().createCredential({ options, origin: origin() }) },
        accessToken,
      );
    };
    for (let i = 0; i < 19; i++) expect((await add()).status).toBe(201);
    // Two ceremonies started at 19: the first to finish is the 20th, the second is refused.
    const [a, b] = [await registrationOptions({}, accessToken), await registrationOptions({}, accessToken)];
    const ra = new SoftAuthenticator().createCredential({ options: a, origin: origin() });
    const rb = new SoftAuthenticator().createCredential({ options: b, origin: origin() });
    expect((await registerVerify({ response: ra }, accessToken)).status).toBe(201);
    await expectRefused(() => registerVerify({ response: rb }, accessToken), 409, 'TOO_MANY_PASSKEYS');
    await expectRefused(
      () => h.request('/auth/passkeys/register/options', { body: {}, token: accessToken }),
      409,
      'TOO_MANY_PASSKEYS',
    );
    expect(rows('SELECT count(*) AS n FROM passkeys')).toEqual([{ n: 20 }]);
  });

  it('refuses RSA keys under 2048 or over 8192 bits (400) and accepts 2048', async () => {
    await expectRefusedRegistration(
      await signUpResponse('rsa1@example.com', new SoftAuthenticator({ algorithm: 'RS256', rsaModulusBits: 1024 })),
      400,
      'INVALID_REQUEST',
    );
    const body = await expectRefusedRegistration(
      await signUpResponse('rsa2@example.com', new SoftAuthenticator({ algorithm: 'RS256', rsaModulusBits: 2040 })),
      400,
      'INVALID_REQUEST',
    );
    expect(body.error!.message).toMatch(/RSA key of 2040 bits/);
    // Over 8192: a real 8200-bit key costs seconds to make; the modulus is swapped into a real credential instead.
    const big = new SoftAuthenticator({ algorithm: 'RS256', rsaModulusBits: 2048 });
    const response = await signUpResponse('rsa3@example.com', big);
    const huge = withHugeModulus(response, 8200);
    const refused = await expectRefused(() => registerVerify({ response: huge }), 400, 'INVALID_REQUEST');
    expect(refused.error!.message).toMatch(/RSA key of 8200 bits/);

    const device = new SoftAuthenticator({ algorithm: 'RS256', rsaModulusBits: 2048 });
    const ok = await registerVerify({ response: await signUpResponse('rsa4@example.com', device) });
    expect(ok.status).toBe(201);
    // And the RSA passkey signs in.
    const signedIn = await loginVerify({ response: await assertion(device) });
    expect(signedIn.status).toBe(200);
  });

  it('refuses a credential id over 1023 bytes (400) and accepts exactly 1023', async () => {
    await expectRefusedRegistration(
      await signUpResponse('ada@example.com', undefined, { credentialId: new Uint8Array(1024).fill(1) }),
      400,
      'INVALID_REQUEST',
    );
    const res = await registerVerify({
      response: await signUpResponse('bo@example.com', undefined, { credentialId: new Uint8Array(1023).fill(2) }),
    });
    expect(res.status).toBe(201);
  });

  it('refuses an id that does not match the attested credential, or differs from rawId', async () => {
    const response = await signUpResponse('ada@example.com');
    const other = b64url.encode(new Uint8Array(32).fill(9));
    await expectRefused(
      () => registerVerify({ response: { ...response, id: other, rawId: other } }),
      400,
      'INVALID_REQUEST',
    );
    await expectRefused(() => registerVerify({ response: { ...response, rawId: other } }), 400, 'INVALID_REQUEST');
    expect((await registerVerify({ response })).status).toBe(201);
  });
});

describe('malformed input (400, never 500)', () => {
  it('refuses malformed base64url in every field', async () => {
    const registration = await signUpResponse('ada@example.com');
    for (const bad of [
      { ...registration, id: `${registration.id}=` },
      { ...registration, id: 'ab+/' },
      withResponse(registration, { clientDataJSON: registration.response.clientDataJSON.replace(/^./, '+') }),
      withResponse(registration, { attestationObject: `${registration.response.attestationObject}=` }),
      withResponse(registration, { attestationObject: 'A' }),
    ]) {
      await expectRefused(() => registerVerify({ response: bad }), 400, 'INVALID_REQUEST');
    }
    const { device } = await signUp('bo@example.com');
    const signIn = await assertion(device);
    for (const bad of [
      withResponse(signIn, { signature: 'not base64url!' }),
      withResponse(signIn, { authenticatorData: `${signIn.response.authenticatorData.slice(0, -1)}*` }),
      withResponse(signIn, { userHandle: 'a b' }),
      withResponse(signIn, { clientDataJSON: 'A' }),
    ]) {
      await expectRefused(() => loginVerify({ response: bad }), 400, 'INVALID_REQUEST');
    }
    // The challenges survived the malformed attempts.
    expect((await registerVerify({ response: registration })).status).toBe(201);
    expect((await loginVerify({ response: signIn })).status).toBe(200);
  });

  it('refuses malformed CBOR in the attestation object and malformed authenticator data', async () => {
    const registration = await signUpResponse('ada@example.com');
    for (const attestationObject of [
      b64url.encode(new Uint8Array([0xff])),
      b64url.encode(new Uint8Array([0xa3, 0x63, 0x66])),
      b64url.encode(encodeCbor(['not', 'a', 'map'])),
      b64url.encode(
        encodeCbor(
          new Map<string, CborValue>([
            ['fmt', 'none'],
            ['attStmt', new Map()],
            ['authData', new Uint8Array(10)],
          ]),
        ),
      ),
    ]) {
      await expectRefused(
        () => registerVerify({ response: withResponse(registration, { attestationObject }) }),
        400,
        'INVALID_REQUEST',
      );
    }
    const { device } = await signUp('bo@example.com');
    const signIn = await assertion(device);
    const authData = b64url.decode(signIn.response.authenticatorData);
    for (const authenticatorData of [
      b64url.encode(authData.slice(0, 20)),
      b64url.encode(new Uint8Array([...authData, 0xa1])),
    ]) {
      await expectRefused(
        () => loginVerify({ response: withResponse(signIn, { authenticatorData }) }),
        400,
        'INVALID_REQUEST',
      );
    }
    // Extension data flagged (ED) but not valid CBOR.
    const ed = Uint8Array.from(authData);
    ed[32] = ed[32]! | 0x80;
    await expectRefused(
      () =>
        loginVerify({
          response: withResponse(signIn, { authenticatorData: b64url.encode(new Uint8Array([...ed, 0xff])) }),
        }),
      400,
      'INVALID_REQUEST',
    );
  });

  it('refuses clientDataJSON that is not UTF-8 JSON of the right shape', async () => {
    const { device } = await signUp('bo@example.com');
    const signIn = await assertion(device);
    for (const clientDataJSON of [
      b64('{not json'),
      b64('[]'),
      b64('"string"'),
      b64(JSON.stringify({ type: 'webauthn.get', origin: origin() })),
      b64(JSON.stringify({ type: 'webauthn.get', challenge: 42, origin: origin() })),
      b64(JSON.stringify({ type: 'webauthn.get', challenge: 'x', origin: origin(), crossOrigin: 'no' })),
      b64url.encode(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])),
    ]) {
      await expectRefused(
        () => loginVerify({ response: withResponse(signIn, { clientDataJSON }) }),
        400,
        'INVALID_REQUEST',
      );
    }
  });

  it('refuses bodies of the wrong shape', async () => {
    const { device } = await signUp('bo@example.com');
    const signIn = await assertion(device);
    for (const body of [
      {},
      [],
      { response: null },
      { response: 'x' },
      { response: { ...signIn, type: 'password' } },
      { response: signIn, extra: true },
    ]) {
      await expectRefused(() => loginVerify(body), 400, 'INVALID_REQUEST');
    }
    await expectRefused(
      () => h.request('/auth/passkeys/login/options', { body: { email: 'x@example.com' } }),
      400,
      'INVALID_REQUEST',
    );
    await expectRefused(
      () =>
        h.request('/auth/passkeys/login/verify', {
          rawBody: '{"response":',
          headers: { 'content-type': 'application/json' },
        }),
      400,
    );
    await expectRefused(
      () =>
        h.request('/auth/passkeys/register/verify', {
          rawBody: 'response=1',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
      415,
    );
  });

  it('refuses a non-discoverable credential (credProps.rk = false): it could never sign in', async () => {
    const registration = await signUpResponse('ada@example.com');
    await expectRefused(
      () => registerVerify({ response: { ...registration, clientExtensionResults: { credProps: { rk: false } } } }),
      400,
      'INVALID_REQUEST',
    );
  });
});

describe('recent sign-in', () => {
  it('answers 401 REAUTH_REQUIRED to add or delete a passkey once the sign-in is older than REAUTH_WINDOW', async () => {
    const { body } = await signUp('ada@example.com');
    const options = await registrationOptions({}, body.accessToken);
    const response = new SoftAuthenticator().createCredential({ options, origin: origin() });
    const [pk] = rows<{ id: string }>('SELECT id FROM passkeys');
    h.advance(600_000 + 1);
    // A refreshed access token does not make the sign-in recent.
    await expectRefused(
      () => h.request('/auth/passkeys/register/options', { body: {}, token: body.accessToken }),
      401,
      'REAUTH_REQUIRED',
    );
    await expectRefused(() => registerVerify({ response }, body.accessToken), 401, 'REAUTH_REQUIRED');
    await expectRefused(
      () => h.request(`/auth/passkeys/${pk!.id}`, { method: 'DELETE', token: body.accessToken }),
      401,
      'REAUTH_REQUIRED',
    );
    // Renaming and listing do not need it.
    expect(
      (
        await h.request(`/auth/passkeys/${pk!.id}`, {
          method: 'PATCH',
          body: { name: 'Still mine' },
          token: body.accessToken,
        })
      ).status,
    ).toBe(200);
  });
});

describe('races', () => {
  it('starts exactly one session from two parallel assertions with the same counter', async () => {
    const { device, body } = await signUp('ada@example.com');
    for (const counter of [5, 9]) {
      const [first, second] = [
        await assertion(device, { counterOverride: counter }),
        await assertion(device, { counterOverride: counter }),
      ];
      const sessionsBefore = rows('SELECT id FROM sessions').length;
      const results = await Promise.all([loginVerify({ response: first }), loginVerify({ response: second })]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
      const refused = results.find((r) => r.status === 401)!;
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('COUNTER_REPLAY');
      expect(rows('SELECT id FROM sessions').length).toBe(sessionsBefore + 1);
      expect(rows('SELECT counter FROM passkeys WHERE user_id = ?', body.user.id)).toEqual([{ counter }]);
    }
  });
});

describe('the counter guard', () => {
  it('starts no session when another assertion advanced the counter between our check and our write', async () => {
    const { device, body } = await signUp('ada@example.com');
    const response = await assertion(device, { counterOverride: 7 });
    // Plays the winner of a race: its UPDATE lands just before our sign-in's batch (the one after
    // the challenge's consume), with the same counter.
    aroundNextBatch(h.deps.db, {
      skip: 1,
      before: () => h.sqlite.sqlite.prepare('UPDATE passkeys SET counter = 7').run(),
    });
    const sessions = rows('SELECT * FROM sessions');
    const tokens = rows('SELECT * FROM refresh_tokens');
    const res = await loginVerify({ response });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('COUNTER_REPLAY');
    expect(rows('SELECT * FROM sessions')).toEqual(sessions);
    expect(rows('SELECT * FROM refresh_tokens')).toEqual(tokens);
    expect(rows('SELECT counter, last_used_at FROM passkeys')).toEqual([{ counter: 7, last_used_at: null }]);
    const [event] = rows<{ user_id: string; detail: string }>(
      "SELECT user_id, detail FROM audit_events WHERE type = 'passkey.counter_regression'",
    );
    expect(event!.user_id).toBe(body.user.id);
    expect(JSON.parse(event!.detail)).toMatchObject({ stored: 7, received: 7, concurrent: true });
  });
});

describe('W3C WebAuthn Level 3 test vectors (made for example.org)', () => {
  it('are authentic: they verify for example.org, and the private key matches the registered key', async () => {
    const reg = noneEs256Registration;
    const registration = registrationVectorJSON() as RegistrationResponseJSON;
    const challenge = JSON.parse(Buffer.from(reg.clientDataJSONHex, 'hex').toString('utf8')).challenge as string;
    expect(Buffer.from(challenge, 'base64url').toString('hex')).toBe(reg.challengeHex);
    const verified = await verifyRegistrationResponse({
      response: registration,
      expectedChallenge: challenge,
      expectedOrigin: reg.origin,
      expectedRPID: reg.rpId,
      requireUserVerification: false,
    });
    expect(verified.verified).toBe(true);
    expect(verified.registrationInfo!.aaguid.replace(/-/g, '')).toBe(reg.aaguidHex);
    expect(Buffer.from(verified.registrationInfo!.credential.publicKey).toString('hex')).toBe(
      noneEs256Authentication.credentialPublicKeyHex,
    );
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(reg.credentialPrivateKeyHex, 'hex'));
    const [, x, y] = /215820([0-9a-f]{64})225820([0-9a-f]{64})$/.exec(noneEs256Authentication.credentialPublicKeyHex)!;
    expect(ecdh.getPublicKey('hex')).toBe(`04${x}${y}`);

    const auth = noneEs256Authentication;
    const signedIn = await verifyAuthenticationResponse({
      response: authenticationVectorJSON() as AuthenticationResponseJSON,
      expectedChallenge: Buffer.from(auth.challengeHex, 'hex').toString('base64url'),
      expectedOrigin: auth.origin,
      expectedRPID: auth.rpId,
      requireUserVerification: false,
      credential: { id: registration.id, publicKey: verified.registrationInfo!.credential.publicKey, counter: 0 },
    });
    expect(signedIn.verified).toBe(true);
  });

  /** Stores the vector's challenge as if we had issued it, so only origin and RP id can refuse it. */
  async function plantChallenge(
    challengeHex: string,
    ceremony: 'registration' | 'authentication',
    userId: string | null = null,
  ) {
    const challenge = Buffer.from(challengeHex, 'hex').toString('base64url');
    const hash = createHash('sha256').update(challenge).digest('base64url');
    h.sqlite.sqlite
      .prepare(
        'INSERT INTO webauthn_challenges (hash, ceremony, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(hash, ceremony, userId, h.now(), h.now() + 60_000);
    return hash;
  }

  it('refuses the registration vector for our RP id, even with its challenge planted', async () => {
    const { accessToken, user } = await h.signIn('vector@example.com');
    await expectRefused(
      () => registerVerify({ response: registrationVectorJSON() }, accessToken),
      401,
      'INVALID_CREDENTIAL',
    );
    const hash = await plantChallenge(noneEs256Registration.challengeHex, 'registration', user.id);
    await expectRefused(
      () => registerVerify({ response: registrationVectorJSON() }, accessToken),
      401,
      'INVALID_CREDENTIAL',
    );
    // Made on https://example.org, which this service does not serve: refused before the challenge is used up.
    expect(rows('SELECT * FROM webauthn_challenges WHERE hash = ?', hash)).toHaveLength(1);
  });

  it('refuses the authentication vector for our RP id, even with its credential registered and challenge planted', async () => {
    // Made on https://example.org: refused for its origin, whatever its challenge.
    await expectRefused(() => loginVerify({ response: authenticationVectorJSON() }), 401, 'INVALID_CREDENTIAL');
    const { body } = await signUp('ada@example.com');
    const auth = noneEs256Authentication;
    h.sqlite.sqlite
      .prepare(
        `INSERT INTO passkeys (id, user_id, name, public_key, counter, transports, backup_eligible, backed_up, device_type, aaguid, created_at)
         VALUES (?, ?, 'vector', ?, 0, '[]', 1, 1, 'multiDevice', ?, ?)`,
      )
      .run(
        Buffer.from(auth.credentialIdHex, 'hex').toString('base64url'),
        body.user.id,
        Buffer.from(auth.credentialPublicKeyHex, 'hex').toString('base64url'),
        '8446ccb9-ab1d-b374-750b-2367ff6f3a1f',
        h.now(),
      );
    await plantChallenge(auth.challengeHex, 'authentication');
    await expectRefused(() => loginVerify({ response: authenticationVectorJSON() }), 401, 'INVALID_CREDENTIAL');
  });
});

/** The same registration with its RSA modulus replaced by one of `bits` bits (attestation "none" signs nothing). */
function withHugeModulus(response: RegistrationResponseJSON, bits: number): RegistrationResponseJSON {
  const att = decodeCbor(b64url.decode(response.response.attestationObject)) as Map<string, CborValue>;
  const authData = att.get('authData') as Uint8Array;
  const idLen = (authData[53]! << 8) | authData[54]!;
  const keyStart = 55 + idLen;
  const key = decodeCborFirst(authData, keyStart).value as Map<number, CborValue>;
  const n = new Uint8Array(bits / 8).fill(0xff);
  key.set(-1, n);
  const newAuthData = new Uint8Array([...authData.slice(0, keyStart), ...encodeCbor(key)]);
  att.set('authData', newAuthData);
  return withResponse(response, {
    attestationObject: b64url.encode(encodeCbor(att)),
    authenticatorData: b64url.encode(newAuthData),
  });
}
