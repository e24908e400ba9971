/**
 * sesameAuth: a Hono middleware over a Verifier. A request with a valid Sesame access token goes on
 * with `c.get('sesameUser')`; anything else is answered 401 (503 when the JWKS is unreachable) in
 * Sesame's error shape with `WWW-Authenticate: Bearer`. Only types come from hono: the package
 * does not make an app install it.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { SesameUser, Verifier } from './create-verifier.js';
import { bearerToken } from './create-verifier.js';
import { isSesameTokenError, tokenErrorResponse } from './sesame-token-error.js';

/** Add to your app's Hono env: `new Hono<SesameEnv>()`, or merge its Variables into yours. */
export interface SesameEnv {
  Variables: {
    /** Set by sesameAuth: the verified user (undefined only with `optional: true` and no token). */
    sesameUser: SesameUser;
  };
}

export interface SesameAuthOptions {
  /** Let requests without an Authorization header through (with no `sesameUser`). A bad token is still 401. */
  optional?: boolean;
}

export function sesameAuth(
  verifier: Verifier,
  { optional = false }: SesameAuthOptions = {},
): MiddlewareHandler<SesameEnv> {
  return async (c: Context<SesameEnv>, next) => {
    const header = c.req.header('Authorization');
    if (optional && (header === undefined || header.trim() === '')) return next();
    let user: SesameUser;
    try {
      user = await verifier.verify(bearerToken(header));
    } catch (error) {
      if (isSesameTokenError(error)) return tokenErrorResponse(error);
      throw error;
    }
    c.set('sesameUser', user);
    return next();
  };
}
