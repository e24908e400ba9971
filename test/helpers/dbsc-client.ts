/**
 * A software DBSC browser for tests: a P-256 key and proofs made exactly as Chromium makes them
 * (../shared/probes/dbsc/README.md), with node:crypto only, so the server's jose verification is
 * checked against an independent signer:
 * - header `{"alg":"ES256","jwk":{crv,kty,x,y},"typ":"dbsc+jwt"}` at registration, `{"alg":"ES256","typ":"dbsc+jwt"}` at refresh;
 * - claims only `{"jti": "<challenge>"}`;
 * - signature raw r||s (ieee-p1363).
 * Plus the header parsing a browser does: the registration offer and the refresh challenge.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

const b64u = (data: string | Buffer) => Buffer.from(data).toString('base64url');

export interface DbscKeyPair {
  privateKey: KeyObject;
  publicJwk: { crv: string; kty: string; x: string; y: string };
}

export function generateDbscKey(): DbscKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' }) as { crv: string; kty: string; x: string; y: string };
  return { privateKey, publicJwk: { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } };
}

/** A compact JWS as Chromium signs it; `header` and `claims` may be overridden for negative tests. */
export function signProof(
  key: DbscKeyPair,
  {
    jti,
    embedKey,
    header = {},
    claims = {},
  }: { jti: string; embedKey: boolean; header?: Record<string, unknown>; claims?: Record<string, unknown> },
): string {
  const h = { alg: 'ES256', ...(embedKey ? { jwk: key.publicJwk } : {}), typ: 'dbsc+jwt', ...header };
  const input = `${b64u(JSON.stringify(h))}.${b64u(JSON.stringify({ jti, ...claims }))}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64u(signature)}`;
}

export const registrationProof = (key: DbscKeyPair, challenge: string) =>
  signProof(key, { jti: challenge, embedKey: true });
export const refreshProof = (key: DbscKeyPair, challenge: string) =>
  signProof(key, { jti: challenge, embedKey: false });

/** `Secure-Session-Registration: (ES256);path="…";challenge="…"` → its parts, or null. */
export function parseRegistrationOffer(
  header: string | null,
): { algorithms: string[]; path: string; challenge: string } | null {
  if (!header) return null;
  const m = /^\(([^)]*)\);path="([^"]+)";challenge="([^"]+)"$/.exec(header.trim());
  return m ? { algorithms: m[1]!.split(' ').filter(Boolean), path: m[2]!, challenge: m[3]! } : null;
}

/** `Secure-Session-Challenge: "<challenge>";id="<session id>"` → its parts, or null. */
export function parseChallengeHeader(header: string | null): { challenge: string; id: string } | null {
  if (!header) return null;
  const m = /^"([^"]+)";id="([^"]+)"$/.exec(header.trim());
  return m ? { challenge: m[1]!, id: m[2]! } : null;
}
