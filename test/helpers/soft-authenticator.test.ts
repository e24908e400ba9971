import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { decodeCbor, encodeCbor, type CborValue } from './cbor.js';
import {
  FLAGS,
  SoftAuthenticator,
  b64url,
  decodeAttestationObject,
  flipSignatureBit,
  parseAuthData,
  type SoftAlgorithm,
} from './soft-authenticator.js';

const rpID = 'localhost';
const origin = 'http://localhost:3000';

async function register(auth: SoftAuthenticator, userName = 'alice@example.com') {
  const options = await generateRegistrationOptions({
    rpName: 'Sesame',
    rpID,
    userName,
    userID: new Uint8Array(randomBytes(16)),
    attestationType: 'none',
  });
  const response = auth.createCredential({ options, origin });
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
  });
  if (!verification.verified) throw new Error('registration not verified');
  return { options, response, info: verification.registrationInfo };
}

async function authenticate(auth: SoftAuthenticator, credential: WebAuthnCredential, allow = true) {
  const options = await generateAuthenticationOptions({
    rpID,
    allowCredentials: allow
      ? [{ id: credential.id, ...(credential.transports ? { transports: credential.transports } : {}) }]
      : [],
  });
  const response = auth.getAssertion({ options, origin });
  const verify = (resp = response, cred = credential) =>
    verifyAuthenticationResponse({
      response: resp,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: cred,
    });
  return { options, response, verify };
}

describe('cbor', () => {
  const hex = (v: CborValue) => Buffer.from(encodeCbor(v)).toString('hex');
  // RFC 8949 Appendix A vectors
  const vectors: [CborValue, string][] = [
    [0, '00'],
    [23, '17'],
    [24, '1818'],
    [100, '1864'],
    [1000, '1903e8'],
    [1000000, '1a000f4240'],
    [1000000000000, '1b000000e8d4a51000'],
    [-1, '20'],
    [-10, '29'],
    [-100, '3863'],
    [-1000, '3903e7'],
    [false, 'f4'],
    [true, 'f5'],
    [null, 'f6'],
    ['', '60'],
    ['a', '6161'],
    ['IETF', '6449455446'],
    ['\u00fc', '62c3bc'],
    [new Uint8Array([1, 2, 3, 4]), '4401020304'],
    [[1, [2, 3], [4, 5]], '8301820203820405'],
    [
      new Map([
        [1, 2],
        [3, 4],
      ]),
      'a201020304',
    ],
    [{ a: 1, b: [2, 3] }, 'a26161016162820203'],
    [1.1, 'fb3ff199999999999a'],
  ];
  it.each(vectors)('encodes %o', (value, expected) => {
    expect(hex(value)).toBe(expected);
  });
  it('round-trips and decodes maps as Map', () => {
    for (const [value, encoded] of vectors) {
      const decoded = decodeCbor(Buffer.from(encoded, 'hex'));
      if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && !Array.isArray(value)) {
        expect(decoded).toBeInstanceOf(Map);
        expect(hex(decoded)).toBe(encoded);
      } else {
        expect(decoded).toEqual(value);
      }
    }
    expect(decodeCbor(Buffer.from('f93e00', 'hex'))).toBe(1.5); // half float
    expect(decodeCbor(Buffer.from('fa47c35000', 'hex'))).toBe(100000); // single float
    const big = new Uint8Array(300).fill(7);
    expect(decodeCbor(encodeCbor(big))).toEqual(big);
    expect(() => decodeCbor(Buffer.from('0000', 'hex'))).toThrow(/trailing/);
    expect(() => decodeCbor(Buffer.from('44010203', 'hex'))).toThrow(/end of input/);
  });
});

describe.each<SoftAlgorithm>(['ES256', 'EdDSA'])('SoftAuthenticator %s', (algorithm) => {
  it('registers and authenticates against @simplewebauthn/server', async () => {
    const auth = new SoftAuthenticator({ algorithm });
    const { options, response, info } = await register(auth);

    expect(info.fmt).toBe('none');
    expect(info.userVerified).toBe(true);
    expect(info.credential.id).toBe(response.id);
    expect(info.credential.counter).toBe(0);
    expect(info.credentialDeviceType).toBe('singleDevice');
    expect(response.response.publicKeyAlgorithm).toBe(algorithm === 'ES256' ? -7 : -8);
    expect(auth.credentials).toHaveLength(1);
    expect(auth.credentials[0]).toMatchObject({ id: response.id, rpId: rpID, userHandle: options.user.id, counter: 0 });
    expect(Buffer.from(info.credential.publicKey)).toEqual(Buffer.from(auth.credentials[0]!.publicKey));

    const cose = decodeCbor(info.credential.publicKey) as Map<number, CborValue>;
    if (algorithm === 'ES256') {
      expect([...cose.keys()]).toEqual([1, 3, -1, -2, -3]);
      expect([cose.get(1), cose.get(3), cose.get(-1)]).toEqual([2, -7, 1]);
    } else {
      expect([...cose.keys()]).toEqual([1, 3, -1, -2]);
      expect([cose.get(1), cose.get(3), cose.get(-1)]).toEqual([1, -8, 6]);
    }

    const credential: WebAuthnCredential = { ...info.credential };
    const first = await authenticate(auth, credential);
    const v1 = await first.verify();
    expect(v1.verified).toBe(true);
    expect(v1.authenticationInfo.newCounter).toBe(1);
    expect(first.response.response.userHandle).toBe(options.user.id);

    // discoverable flow (empty allowCredentials), counter keeps increasing
    credential.counter = v1.authenticationInfo.newCounter;
    const second = await authenticate(auth, credential, false);
    const v2 = await second.verify();
    expect(v2.verified).toBe(true);
    expect(v2.authenticationInfo.newCounter).toBe(2);
    expect(auth.credentials[0]!.counter).toBe(2);
  });

  it('fails verification when a signature bit is flipped', async () => {
    const auth = new SoftAuthenticator({ algorithm });
    const { info } = await register(auth);
    const { response, verify } = await authenticate(auth, info.credential);
    const tampered = flipSignatureBit(response);
    expect(tampered.response.signature).not.toBe(response.response.signature);
    const result = await verify(tampered);
    expect(result.verified).toBe(false);
    // the untouched response still verifies
    expect((await verify(response)).verified).toBe(true);
  });
});

describe('SoftAuthenticator behaviour', () => {
  it('builds a "none" attestation object with the expected authData layout', async () => {
    const aaguid = new Uint8Array(16).fill(0xab);
    const auth = new SoftAuthenticator({ aaguid, backupEligible: true, backedUp: true });
    const credentialId = new Uint8Array([1, 2, 3, 4, 5]);
    const options = await generateRegistrationOptions({
      rpName: 'x',
      rpID,
      userName: 'bob',
      userID: new Uint8Array(8),
    });
    const response = auth.createCredential({ options, origin, credentialId });
    expect(response.id).toBe(b64url.encode(credentialId));
    expect(response.rawId).toBe(response.id);
    expect(response.authenticatorAttachment).toBe('platform');

    const att = decodeAttestationObject(response.response.attestationObject);
    expect(att.fmt).toBe('none');
    expect(att.attStmt).toEqual(new Map());
    const parsed = parseAuthData(att.authData);
    expect(parsed.flags).toBe(FLAGS.UP | FLAGS.UV | FLAGS.BE | FLAGS.BS | FLAGS.AT);
    expect(parsed.signCount).toBe(0);
    expect(parsed.aaguid).toEqual(aaguid);
    expect(parsed.credentialId).toEqual(credentialId);

    const clientData = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString());
    expect(clientData).toEqual({ type: 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false });

    const v = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
    });
    expect(v.verified && v.registrationInfo.credentialDeviceType).toBe('multiDevice');
    expect(v.verified && v.registrationInfo.credentialBackedUp).toBe(true);
    expect(v.verified && v.registrationInfo.aaguid).toBe('abababab-abab-abab-abab-abababababab');
  });

  it('supports overrides for negative tests', async () => {
    const auth = new SoftAuthenticator();
    const { info } = await register(auth);
    const credential = { ...info.credential, counter: 5 };
    const options = await generateAuthenticationOptions({ rpID });
    const base = { expectedChallenge: options.challenge, expectedOrigin: origin, expectedRPID: rpID, credential };

    const low = auth.getAssertion({ options, origin, counterOverride: 3 });
    await expect(verifyAuthenticationResponse({ ...base, response: low })).rejects.toThrow(/counter/i);

    const wrongType = auth.getAssertion({ options, origin, type: 'webauthn.create' });
    await expect(verifyAuthenticationResponse({ ...base, response: wrongType })).rejects.toThrow(/type/);

    const wrongRp = auth.getAssertion({ options, origin, rpId: 'evil.example', credentialId: credential.id });
    await expect(verifyAuthenticationResponse({ ...base, response: wrongRp })).rejects.toThrow(/RP ID/i);

    const noHandle = auth.getAssertion({ options, origin, userHandleOverride: null });
    expect(noHandle.response.userHandle).toBeUndefined();
    expect('userHandle' in noHandle.response).toBe(false);
    const otherHandle = auth.getAssertion({ options, origin, userHandleOverride: 'b3RoZXI' });
    expect(otherHandle.response.userHandle).toBe('b3RoZXI');
  });

  it('respects UV/UP settings and credential selection', async () => {
    const noUv = new SoftAuthenticator({ userVerification: false });
    const options = await generateRegistrationOptions({
      rpName: 'x',
      rpID,
      userName: 'carol',
      userID: new Uint8Array(4),
    });
    const response = noUv.createCredential({ options, origin });
    await expect(
      verifyRegistrationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
      }),
    ).rejects.toThrow(/verification/i);
    const relaxed = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: false,
    });
    expect(relaxed.verified).toBe(true);

    const auth = new SoftAuthenticator();
    await register(auth, 'one');
    const { response: second } = await register(auth, 'two');
    const reqOptions = await generateAuthenticationOptions({ rpID });
    // discoverable: newest credential for the rpId
    expect(auth.getAssertion({ options: reqOptions, origin }).id).toBe(second.id);
    // allowCredentials restricts the choice
    const firstId = auth.credentials[0]!.id;
    const allowFirst = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: firstId }] });
    expect(auth.getAssertion({ options: allowFirst, origin }).id).toBe(firstId);
    // unknown rpId / unknown credential
    expect(() => auth.getAssertion({ options: reqOptions, origin, rpId: 'other.example' })).toThrow(/NotAllowedError/);
    const allowUnknown = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: 'AAAA' }] });
    expect(() => auth.getAssertion({ options: allowUnknown, origin })).toThrow(/NotAllowedError/);
    // algorithm not offered by the RP
    const ed = new SoftAuthenticator({ algorithm: 'EdDSA' });
    const es256Only = await generateRegistrationOptions({
      rpName: 'x',
      rpID,
      userName: 'd',
      supportedAlgorithmIDs: [-7],
    });
    expect(() => ed.createCredential({ options: es256Only, origin })).toThrow(/NotSupportedError/);
  });
});
