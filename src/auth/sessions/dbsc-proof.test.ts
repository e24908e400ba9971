import { describe, expect, it } from 'vitest';
import { generateDbscKey, refreshProof, registrationProof, signProof } from '../../../test/helpers/dbsc-client.js';
import { deviceKeyThumbprint, parseDeviceKey, verifyRefreshProof, verifyRegistrationProof } from './dbsc-proof.js';
import { AuthError } from '../errors.js';

async function refused(promise: Promise<unknown>): Promise<AuthError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AuthError);
  expect((err as AuthError).code).toBe('DBSC_PROOF_INVALID');
  return err as AuthError;
}

const tamper = (jws: string, part: 0 | 1, value: unknown) => {
  const parts = jws.split('.');
  parts[part] = Buffer.from(JSON.stringify(value)).toString('base64url');
  return parts.join('.');
};

describe('registration proofs', () => {
  it('accepts a proof made as Chromium makes it and returns the challenge and the embedded key', async () => {
    const key = generateDbscKey();
    const proof = registrationProof(key, 'the-challenge');
    const verified = await verifyRegistrationProof(proof);
    expect(verified.jti).toBe('the-challenge');
    expect(verified.key).toEqual({ kty: 'EC', crv: 'P-256', x: key.publicJwk.x, y: key.publicJwk.y });
  });

  it('refuses a proof signed by another key than the one it embeds', async () => {
    const key = generateDbscKey();
    const other = generateDbscKey();
    const proof = signProof(other, { jti: 'c', embedKey: false, header: { jwk: key.publicJwk } });
    await refused(verifyRegistrationProof(proof));
  });

  it('refuses a proof without an embedded key, with another typ, another alg, or no jti', async () => {
    const key = generateDbscKey();
    await refused(verifyRegistrationProof(refreshProof(key, 'c')));
    await refused(verifyRegistrationProof(signProof(key, { jti: 'c', embedKey: true, header: { typ: 'JWT' } })));
    await refused(verifyRegistrationProof(signProof(key, { jti: 'c', embedKey: true, header: { alg: 'ES384' } })));
    await refused(verifyRegistrationProof(signProof(key, { jti: '', embedKey: true })));
    await refused(verifyRegistrationProof(signProof(key, { jti: 'c', embedKey: true, claims: { jti: 42 } })));
  });

  it('refuses an unsigned ("none") proof, a tampered payload and garbage', async () => {
    const key = generateDbscKey();
    const good = registrationProof(key, 'c');
    const none = `${tamper(good, 0, { alg: 'none', typ: 'dbsc+jwt', jwk: key.publicJwk }).split('.').slice(0, 2).join('.')}.`;
    await refused(verifyRegistrationProof(none));
    await refused(verifyRegistrationProof(tamper(good, 1, { jti: 'another' })));
    await refused(verifyRegistrationProof('not.a.jws'));
    await refused(verifyRegistrationProof(''));
    await refused(verifyRegistrationProof('x'.repeat(5000)));
  });

  it('refuses an embedded private key and keys that are not P-256', async () => {
    const key = generateDbscKey();
    const priv = key.privateKey.export({ format: 'jwk' });
    await refused(verifyRegistrationProof(signProof(key, { jti: 'c', embedKey: false, header: { jwk: priv } })));
    await refused(
      verifyRegistrationProof(
        signProof(key, { jti: 'c', embedKey: false, header: { jwk: { ...key.publicJwk, crv: 'P-384' } } }),
      ),
    );
    await refused(
      verifyRegistrationProof(
        signProof(key, { jti: 'c', embedKey: false, header: { jwk: { kty: 'oct', k: 'AAAA' } } }),
      ),
    );
  });
});

describe('refresh proofs', () => {
  it('verifies with the bound key only', async () => {
    const key = generateDbscKey();
    const bound = parseDeviceKey(JSON.stringify(key.publicJwk))!;
    expect((await verifyRefreshProof(refreshProof(key, 'r1'), bound)).jti).toBe('r1');
    // Another key fails, even when it names itself in the header.
    const thief = generateDbscKey();
    await refused(verifyRefreshProof(refreshProof(thief, 'r1'), bound));
    await refused(verifyRefreshProof(registrationProof(thief, 'r1'), bound));
  });

  it('names keys by their RFC 7638 thumbprint', async () => {
    const a = parseDeviceKey(JSON.stringify(generateDbscKey().publicJwk))!;
    const b = parseDeviceKey(JSON.stringify(generateDbscKey().publicJwk))!;
    expect(await deviceKeyThumbprint(a)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await deviceKeyThumbprint(a)).not.toBe(await deviceKeyThumbprint(b));
    expect(parseDeviceKey(null)).toBeNull();
    expect(parseDeviceKey('{"kty":"RSA"}')).toBeNull();
  });
});
