/**
 * DBSC proofs (W3C webappsec-dbsc): the JWT a browser signs with its device key, sent in the
 * `Secure-Session-Response` header. Verified with jose on WebCrypto, so Node and Workers agree.
 *
 * What Chromium really sends (../shared/probes/dbsc/README.md), and so what we demand:
 * - header `{"alg": "ES256", "typ": "dbsc+jwt"}`; at registration also `jwk`, the P-256 public key;
 * - claims `{"jti": "<the challenge>"}` and nothing we rely on besides (no `aud`, no `iat`);
 * - the signature raw r||s (JWS ES256), which is what jose verifies.
 * Anything else (another alg, a private or non-P-256 key, a missing jti) is refused: ES256 only,
 * because that is what we offer in `Secure-Session-Registration`.
 */
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, importJWK, jwtVerify, type JWK } from 'jose';
import { AuthError } from '../errors.js';

/** The bound key as we store it: the public members of a P-256 JWK only. */
export interface DeviceKeyJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

export interface VerifiedProof {
  /** The challenge the browser signed. */
  jti: string;
  /** The key that signed it (registration: the embedded one; refresh: the bound one). */
  key: DeviceKeyJwk;
}

/** Proofs are small: a header with one P-256 key and a 43-character jti. */
const MAX_PROOF_LENGTH = 4096;
const PROOF_TYP = 'dbsc+jwt';

const invalid = (why: string) => new AuthError('DBSC_PROOF_INVALID', `Device proof refused: ${why}`);

function publicPart(jwk: JWK): DeviceKeyJwk {
  // Only a P-256 EC public key can be an ES256 device key.
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string')
    throw invalid('the key is not a P-256 public key');
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
}

function readHeader(proof: string) {
  if (proof.length === 0 || proof.length > MAX_PROOF_LENGTH) throw invalid('no proof, or an impossibly long one');
  try {
    return decodeProtectedHeader(proof);
  } catch {
    throw invalid('not a JWS');
  }
}

async function verifyWith(proof: string, key: Parameters<typeof jwtVerify>[1]): Promise<{ jti: string; jwk?: JWK }> {
  try {
    // typ pins the proof to DBSC (a JWT minted for another purpose with the same key is not one);
    // algorithms pins ES256, so neither "none" nor an HMAC confusion can get through.
    const { payload, protectedHeader } = await jwtVerify(proof, key as Parameters<typeof jwtVerify>[1] & CryptoKey, {
      typ: PROOF_TYP,
      algorithms: ['ES256'],
    });
    // The jti carries the challenge: without one the proof answers nothing we asked.
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 512)
      throw invalid('no jti');
    return { jti: payload.jti, jwk: protectedHeader.jwk };
  } catch (err) {
    if (err instanceof AuthError) throw err;
    throw invalid(
      err instanceof Error && 'code' in err ? String((err as { code: unknown }).code) : 'signature check failed',
    );
  }
}

/**
 * A registration proof: signed by the key embedded in its own header (proof of possession of
 * that key). Returns the challenge and the key to bind.
 */
export async function verifyRegistrationProof(proof: string): Promise<VerifiedProof> {
  const header = readHeader(proof);
  // The key to bind travels in the header; without it there is nothing to bind.
  if (!header.jwk || typeof header.jwk !== 'object') throw invalid('no jwk in the header');
  const key = publicPart(header.jwk);
  const { jti } = await verifyWith(proof, EmbeddedJWK);
  return { jti, key };
}

/**
 * A refresh proof: verified with the key bound at registration, whatever key (if any) the proof
 * names in its header: a proof made with any other key, another session's included, fails here.
 */
export async function verifyRefreshProof(proof: string, bound: DeviceKeyJwk): Promise<VerifiedProof> {
  readHeader(proof);
  const key = await importJWK({ ...bound, alg: 'ES256' }, 'ES256');
  const { jti } = await verifyWith(proof, key);
  return { jti, key: bound };
}

/** RFC 7638 thumbprint: names a key in audit events and the sessions list without storing it twice. */
export function deviceKeyThumbprint(key: DeviceKeyJwk): Promise<string> {
  return calculateJwkThumbprint(key, 'sha256');
}

/** Parses the stored key (sessions.dbsc_key), or null when the session is not bound. */
export function parseDeviceKey(stored: string | null | undefined): DeviceKeyJwk | null {
  if (!stored) return null;
  try {
    return publicPart(JSON.parse(stored) as JWK);
  } catch {
    return null;
  }
}
