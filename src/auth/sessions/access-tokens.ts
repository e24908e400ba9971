/**
 * Access tokens: RFC 9068-style JWTs (`typ: at+jwt`), ES256, verified offline against the JWKS.
 *
 * Verification pins the algorithm, issuer, audience and type, and takes the key only from our own
 * key store by `kid`: `jku`, `jwk` and `x5u` headers are refused outright (RFC 8725 §3.1, §3.10).
 */
import {
  decodeProtectedHeader,
  errors,
  jwtVerify,
  SignJWT,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose';
import type { Config } from '../../lib/config.js';
import { generateId } from '../../lib/crypto.js';
import { AuthError } from '../errors.js';
import { ACCESS_TOKEN_ALG, type KeyStore } from './signing-keys.js';

export type Amr = 'hwk' | 'swk' | 'user' | 'otp';

export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  sid: string;
  amr: Amr[];
  /** The account's address when the token was issued, and whether it is proved (API.md). */
  email: string;
  email_verified: boolean;
  jti: string;
  iat: number;
  exp: number;
}

interface TokenDeps {
  config: Config;
  clock: () => number;
  keys: KeyStore;
}

export async function signAccessToken(
  { config, clock, keys }: TokenDeps,
  {
    userId,
    sessionId,
    amr,
    email,
    emailVerified,
  }: { userId: string; sessionId: string; amr: Amr[]; email: string; emailVerified: boolean },
): Promise<string> {
  const key = await keys.signingKey();
  const iat = Math.floor(clock() / 1000);
  return new SignJWT({ sid: sessionId, amr, email, email_verified: emailVerified })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, typ: 'at+jwt', kid: key.kid })
    .setIssuer(config.publicUrl)
    .setAudience(config.accessTokenAudience)
    .setSubject(userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + config.accessTokenTtl)
    .setJti(generateId())
    .sign(key.privateKey);
}

const invalid = (message: string, cause?: unknown) => new AuthError('INVALID_TOKEN', message, { cause });

/** The checks that depend on the clock: jose's, and the ones it leaves out. */
function assertTimely(payload: JWTPayload, now: number): void {
  if (typeof payload.exp !== 'number' || payload.exp * 1000 <= now) throw invalid('The access token has expired');
  // jose accepts an iat in the future; a token issued after "now" (beyond skew) is not yet valid.
  if (typeof payload.iat === 'number' && payload.iat * 1000 > now + 60_000)
    throw invalid('The access token is not valid yet');
  if (typeof payload.nbf === 'number' && payload.nbf * 1000 > now) throw invalid('The access token is not valid yet');
}

/**
 * At most this many verified tokens are remembered per key (a token and its claims take about
 * 1.5 KB: some 6 MB per published key at most, within a Workers isolate's 128 MB).
 */
export const VERIFIED_TOKENS_MAX = 4096;

/**
 * Remembers a token that passed every check, so that its next uses (a client calls with the same
 * token for its whole life) skip the ES256 verify, about 90 µs of the 300 µs an authenticated call
 * costs. Only tokens that verified are kept: forged or altered ones cannot fill it. When it is
 * full it starts again empty.
 */
function remember(verified: Map<string, JWTPayload>, token: string, payload: JWTPayload): void {
  if (verified.size >= VERIFIED_TOKENS_MAX) verified.clear();
  // Shared by every later use of the token: nobody may change it.
  Object.freeze(payload.amr);
  verified.set(token, Object.freeze(payload));
}

/**
 * Verifies signature and claims; does not look at the session (requireAuth in src/http/require-auth.ts does).
 * A token already verified with the same key is answered from the key's memory of it, its expiry
 * checked again against the clock.
 */
export async function verifyAccessToken({ config, clock, keys }: TokenDeps, token: string): Promise<AccessTokenClaims> {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch (cause) {
    throw invalid('The access token is malformed', cause);
  }
  // Keys come from our store only: a token must not tell us where to find its key.
  if ('jku' in header || 'jwk' in header || 'x5u' in header || 'x5c' in header)
    throw invalid('The access token names its own key');
  if (header.alg !== ACCESS_TOKEN_ALG || typeof header.kid !== 'string')
    throw invalid('The access token is not signed with our algorithm');
  const key = await keys.verificationKey(header.kid);
  if (!key) throw invalid('The access token was signed by an unknown key');
  const seen = key.verified.get(token);
  if (seen) {
    // The very same string passed every check below with this key; only time can change the answer.
    assertTimely(seen, clock());
    return seen as AccessTokenClaims;
  }
  try {
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: [ACCESS_TOKEN_ALG],
      issuer: config.publicUrl,
      audience: config.accessTokenAudience,
      typ: 'at+jwt',
      currentDate: new Date(clock()),
      requiredClaims: ['sub', 'sid', 'exp', 'iat', 'jti'],
    });
    if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string' || !Array.isArray(payload.amr))
      throw invalid('The access token lacks required claims');
    assertTimely(payload, clock());
    remember(key.verified, token, payload);
    return payload as AccessTokenClaims;
  } catch (cause) {
    if (cause instanceof AuthError) throw cause;
    if (cause instanceof errors.JWTExpired) throw invalid('The access token has expired', cause);
    throw invalid('The access token is invalid', cause);
  }
}
