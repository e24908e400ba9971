/**
 * @sesame/client/server against a real Sesame (test/sesame-server.ts): tokens it issued verify,
 * anything else is a SesameTokenError with the right code, in the three forms (verify, the plain
 * Request form, the Hono middleware).
 */
import { Hono } from 'hono';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateSigningKey } from '../../../src/auth/sessions/signing-keys.js';
import { freePort } from '../../../test/helpers/free-port.js';
import {
  createVerifier,
  isSesameTokenError,
  sesameAuth,
  SesameTokenError,
  type SesameEnv,
  type SesameTokenErrorCode,
} from '../src/server/index.js';
import { startTestSesame, type TestSesame } from './sesame-server.js';

let sesame: TestSesame;
beforeAll(async () => {
  sesame = await startTestSesame();
});
afterAll(() => sesame.close());

const verifierFor = (options: Partial<Parameters<typeof createVerifier>[0]> = {}) =>
  createVerifier({ issuer: sesame.origin, audience: sesame.origin, ...options });

async function refusal(promise: Promise<unknown>): Promise<SesameTokenErrorCode> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SesameTokenError);
  return (error as SesameTokenError).code;
}

describe('createVerifier', () => {
  it("returns who a token of Sesame's speaks for", async () => {
    const { accessToken, user } = await sesame.signIn('ada@example.com');
    const verified = await verifierFor().verify(accessToken);
    expect(verified).toMatchObject({ userId: user.id, email: 'ada@example.com', emailVerified: true, amr: ['otp'] });
    expect(verified.sessionId).toBe(decodeJwt(accessToken).sid);
  });

  it('reads the Bearer of a fetch-style Request', async () => {
    const { accessToken, user } = await sesame.signIn('bo@example.com');
    const verifier = verifierFor();
    const request = new Request('https://api.example/notes', { headers: { Authorization: `Bearer ${accessToken}` } });
    expect((await verifier.verifyRequest(request)).userId).toBe(user.id);
    expect(await refusal(verifier.verifyRequest(new Request('https://api.example/notes')))).toBe('MISSING_TOKEN');
    expect(
      await refusal(
        verifier.verifyRequest(
          new Request('https://api.example/', { headers: { Authorization: `Basic ${accessToken}` } }),
        ),
      ),
    ).toBe('MALFORMED_TOKEN');
    expect(
      await refusal(
        verifier.verifyRequest(new Request('https://api.example/', { headers: { Authorization: 'Bearer a b' } })),
      ),
    ).toBe('MALFORMED_TOKEN');
  });

  it('refuses an expired token as TOKEN_EXPIRED, and one from the future as INVALID_TOKEN', async () => {
    const { accessToken } = await sesame.signIn('cy@example.com');
    const { exp, iat } = decodeJwt(accessToken);
    expect(await refusal(verifierFor({ now: () => new Date((exp! + 6) * 1000) }).verify(accessToken))).toBe(
      'TOKEN_EXPIRED',
    );
    expect(await refusal(verifierFor({ now: () => new Date((iat! - 60) * 1000) }).verify(accessToken))).toBe(
      'INVALID_TOKEN',
    );
  });

  it('pins issuer, audience, algorithm and type', async () => {
    const { accessToken } = await sesame.signIn('di@example.com');
    expect(await refusal(verifierFor({ audience: 'https://someone-else.example' }).verify(accessToken))).toBe(
      'INVALID_TOKEN',
    );
    // Another issuer, fetching the same keys: the claim must match too.
    expect(
      await refusal(
        verifierFor({ issuer: 'https://auth.example.com', jwksUrl: `${sesame.origin}/.well-known/jwks.json` }).verify(
          accessToken,
        ),
      ),
    ).toBe('INVALID_TOKEN');
    expect(await refusal(verifierFor({ algorithms: ['EdDSA'] }).verify(accessToken))).toBe('INVALID_TOKEN');
  });

  it('refuses forged, altered and unsigned tokens', async () => {
    const { accessToken } = await sesame.signIn('ed@example.com');
    const verifier = verifierFor();
    const claims = decodeJwt(accessToken);
    const { kid } = decodeProtectedHeader(accessToken);
    const [head, , sig] = accessToken.split('.');
    const altered = `${head}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${sig}`;
    expect(await refusal(verifier.verify(altered))).toBe('INVALID_TOKEN');
    const foreign = await generateKeyPair('ES256');
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: kid! })
      .sign(foreign.privateKey);
    expect(await refusal(verifier.verify(forged))).toBe('INVALID_TOKEN');
    const embedded = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', jwk: await exportJWK(foreign.publicKey) })
      .sign(foreign.privateKey);
    expect(await refusal(verifier.verify(embedded))).toBe('INVALID_TOKEN');
    expect(await refusal(verifier.verify(new UnsecuredJWT(claims).encode()))).not.toBeUndefined();
    expect(await refusal(verifier.verify('not a token'))).toBe('MALFORMED_TOKEN');
    // Control: the untouched token still verifies, so the refusals above are about the changes.
    expect((await verifier.verify(accessToken)).email).toBe('ed@example.com');
  });

  it('picks up a rotated key: a token signed by the new key verifies with the same verifier', async () => {
    const verifier = verifierFor({ jwksCooldownMs: 0 });
    const before = await sesame.signIn('fa@example.com');
    await verifier.verify(before.accessToken);
    await rotateSigningKey(sesame.server.deps, 'manual');
    sesame.server.deps.keys.invalidate();
    const after = await sesame.signIn('fa@example.com');
    expect(decodeProtectedHeader(after.accessToken).kid).not.toBe(decodeProtectedHeader(before.accessToken).kid);
    expect((await verifier.verify(after.accessToken)).email).toBe('fa@example.com');
  });

  it('answers JWKS_UNAVAILABLE (503) when the keys cannot be fetched', async () => {
    const { accessToken } = await sesame.signIn('gi@example.com');
    const closed = await freePort();
    const error = await verifierFor({ jwksUrl: `http://127.0.0.1:${closed}/.well-known/jwks.json` })
      .verify(accessToken)
      .catch((e: unknown) => e);
    expect(isSesameTokenError(error, 'JWKS_UNAVAILABLE')).toBe(true);
    expect((error as SesameTokenError).status).toBe(503);
  });
});

describe('sesameAuth (Hono)', () => {
  function api(optional = false) {
    const app = new Hono<SesameEnv>();
    app.use('/api/*', sesameAuth(verifierFor(), { optional }));
    app.get('/api/whoami', (c) => {
      const user = c.get('sesameUser');
      return c.json(user ? { userId: user.userId, email: user.email } : { anonymous: true });
    });
    return app;
  }

  it('lets a valid token through with the verified user', async () => {
    const { accessToken, user } = await sesame.signIn('ha@example.com');
    const res = await api().request('/api/whoami', { headers: { Authorization: `Bearer ${accessToken}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ userId: user.id, email: 'ha@example.com' });
  });

  it("answers 401 in Sesame's error shape with WWW-Authenticate", async () => {
    const missing = await api().request('/api/whoami');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(await missing.json()).toMatchObject({ error: { code: 'MISSING_TOKEN' } });
    const bad = await api().request('/api/whoami', { headers: { Authorization: 'Bearer abc.def.ghi' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
  });

  it('with optional: true, lets a request without a token through, but not a bad token', async () => {
    expect(await (await api(true).request('/api/whoami')).json()).toEqual({ anonymous: true });
    expect((await api(true).request('/api/whoami', { headers: { Authorization: 'Bearer abc.def.ghi' } })).status).toBe(
      401,
    );
  });
});
