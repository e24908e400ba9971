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

/** Verifies signature and claims; does not look at the session (requireAuth in src/http/require-auth.ts does). */
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
    // jose accepts an iat in the future; a token issued after "now" (beyond skew) is not yet valid.
    if (typeof payload.iat === 'number' && payload.iat * 1000 > clock() + 60_000)
      throw invalid('The access token is not valid yet');
    if (typeof payload.nbf === 'number' && payload.nbf * 1000 > clock())
      throw invalid('The access token is not valid yet');
    return payload as AccessTokenClaims;
  } catch (cause) {
    if (cause instanceof AuthError) throw cause;
    if (cause instanceof errors.JWTExpired) throw invalid('The access token has expired', cause);
    throw invalid('The access token is invalid', cause);
  }
}
