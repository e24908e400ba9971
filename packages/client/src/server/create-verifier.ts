/**
 * createVerifier: checks Sesame access tokens in an application's API, offline, against Sesame's
 * JWKS (fetched by jose's remote key set, cached 10 minutes, refetched on an unknown `kid` at most every
 * `jwksCooldownMs`).
 *
 * Pinned, as RFC 8725 and RFC 9068 ask: the header's `typ` must be `at+jwt` and its `alg` one of
 * `algorithms` (default ES256, what Sesame signs with); the issuer and audience are exact; `sub`,
 * `sid`, `iat`, `exp` must be there; keys come only from the JWKS URL given here (a token's
 * `jku`/`jwk`/`x5u` is never followed). Revocation: a token stays valid until its `exp` (minutes);
 * an API that must see a sign-out at once asks Sesame (`GET /api/me` with the token).
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { SesameTokenError } from './sesame-token-error.js';

export type AccessTokenAlgorithm = 'ES256' | 'EdDSA';

export interface VerifierOptions {
  /** Sesame's PUBLIC_URL, e.g. 'https://auth.example.com' (the tokens' `iss`). */
  issuer: string;
  /** What Sesame puts in `aud`: its ACCESS_TOKEN_AUDIENCE setting, which defaults to PUBLIC_URL. */
  audience: string | string[];
  /** Where the keys are. Default: `${issuer}/.well-known/jwks.json`. */
  jwksUrl?: string | URL;
  /** Accepted signature algorithms. Default ['ES256']. */
  algorithms?: AccessTokenAlgorithm[];
  /** Seconds of clock skew tolerated on `exp` and `iat`. Default 5. */
  clockTolerance?: number;
  /** Longest wait for the JWKS, milliseconds. Default 5000. */
  jwksTimeoutMs?: number;
  /**
   * Shortest time between two JWKS fetches, milliseconds. A token with an unknown `kid` (Sesame
   * rotated its key) triggers a fetch once this long has passed since the last. Default 5000.
   */
  jwksCooldownMs?: number;
  /** The current time, for tests. Default: the system clock. */
  now?: () => Date;
}

/** Who a valid token speaks for. */
export interface SesameUser {
  /** `sub`: the user's id. */
  userId: string;
  /** `sid`: the Sesame session (one sign-in); the same across refreshes. */
  sessionId: string;
  /** `email`: the account's address when the token was issued. */
  email: string;
  /** `email_verified`. */
  emailVerified: boolean;
  /** `amr` (RFC 8176): ['hwk' | 'swk', 'user'?] after a passkey, ['otp'] after a link or code. */
  amr: string[];
  /** Every claim, for anything else an API wants to read. */
  claims: JWTPayload;
}

export interface Verifier {
  /** Verifies a token (the part after `Bearer `). Rejects with a SesameTokenError. */
  verify(token: string): Promise<SesameUser>;
  /** Reads `Authorization: Bearer <token>` from a fetch-style Request and verifies it. */
  verifyRequest(request: Request): Promise<SesameUser>;
}

/** RFC 6750 §2.1: `Bearer` (any case), one space, a b64token. */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/** The token of an `Authorization` header value; SesameTokenError when absent or malformed. */
export function bearerToken(authorization: string | null | undefined): string {
  if (authorization === null || authorization === undefined || authorization.trim() === '') {
    throw new SesameTokenError('MISSING_TOKEN', 'Send the access token as Authorization: Bearer <token>');
  }
  const match = BEARER.exec(authorization.trim());
  if (!match) throw new SesameTokenError('MALFORMED_TOKEN', 'The Authorization header is not "Bearer <token>"');
  return match[1]!;
}

export function createVerifier({
  issuer,
  audience,
  jwksUrl,
  algorithms = ['ES256'],
  clockTolerance = 5,
  jwksTimeoutMs = 5000,
  jwksCooldownMs = 5000,
  now,
}: VerifierOptions): Verifier {
  const issuerUrl = new URL(issuer);
  // Sesame's `iss` is its origin exactly, without a trailing slash.
  const expectedIssuer = issuerUrl.origin;
  if (issuerUrl.pathname !== '/' || issuerUrl.search || issuerUrl.hash) {
    throw new TypeError(`issuer must be Sesame's PUBLIC_URL (an origin), got ${JSON.stringify(issuer)}`);
  }
  if (algorithms.length === 0) throw new TypeError('algorithms must name at least one algorithm');
  const keys = createRemoteJWKSet(new URL(jwksUrl ?? `${expectedIssuer}/.well-known/jwks.json`), {
    timeoutDuration: jwksTimeoutMs,
    cooldownDuration: jwksCooldownMs,
    cacheMaxAge: 10 * 60_000,
  });

  async function verify(token: string): Promise<SesameUser> {
    if (typeof token !== 'string' || token.split('.').length !== 3) {
      throw new SesameTokenError('MALFORMED_TOKEN', 'The access token is not a signed JWT');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: expectedIssuer,
        audience,
        algorithms,
        typ: 'at+jwt',
        clockTolerance,
        requiredClaims: ['sub', 'sid', 'iat', 'exp'],
        ...(now ? { currentDate: now() } : {}),
      }));
    } catch (cause) {
      throw tokenError(cause);
    }
    const current = (now?.() ?? new Date()).getTime();
    // jose lets an `iat` in the future through; a token issued after now (beyond the skew) is not valid yet.
    if (typeof payload.iat === 'number' && payload.iat * 1000 > current + clockTolerance * 1000) {
      throw new SesameTokenError('INVALID_TOKEN', 'The access token is not valid yet');
    }
    const { sub, sid, amr, email, email_verified: emailVerified } = payload as JWTPayload & Record<string, unknown>;
    if (
      typeof sub !== 'string' ||
      typeof sid !== 'string' ||
      !Array.isArray(amr) ||
      !amr.every((v) => typeof v === 'string')
    ) {
      throw new SesameTokenError('INVALID_TOKEN', 'The access token lacks Sesame claims (sub, sid, amr)');
    }
    if (typeof email !== 'string' || typeof emailVerified !== 'boolean') {
      throw new SesameTokenError('INVALID_TOKEN', 'The access token lacks email and email_verified');
    }
    return { userId: sub, sessionId: sid, email, emailVerified, amr: amr as string[], claims: payload };
  }

  return {
    verify,
    verifyRequest: async (request) => verify(bearerToken(request.headers.get('Authorization'))),
  };
}

function tokenError(cause: unknown): SesameTokenError {
  if (cause instanceof errors.JWTExpired)
    return new SesameTokenError('TOKEN_EXPIRED', 'The access token has expired', { cause });
  if (cause instanceof errors.JWSInvalid || cause instanceof errors.JWTInvalid) {
    return new SesameTokenError('MALFORMED_TOKEN', 'The access token is malformed', { cause });
  }
  if (cause instanceof errors.JWKSTimeout || cause instanceof errors.JWKSInvalid || cause instanceof TypeError) {
    return new SesameTokenError('JWKS_UNAVAILABLE', "Sesame's signing keys could not be fetched", { cause });
  }
  if (cause instanceof errors.JOSEError && /JSON Web Key Set HTTP response/.test(cause.message)) {
    return new SesameTokenError('JWKS_UNAVAILABLE', "Sesame's signing keys could not be fetched", { cause });
  }
  // Bad signature, unknown kid, wrong typ/alg/iss/aud, missing claims, nbf in the future.
  return new SesameTokenError('INVALID_TOKEN', 'The access token is not valid', { cause });
}
