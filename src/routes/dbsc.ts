/**
 * Device-bound sessions (API.md "Device-bound sessions"): the two endpoints Chromium's DBSC calls
 * by itself. Their requests are POSTs with an empty body and no Content-Type (http/security.ts
 * lets exactly those through); the answers follow what that Chromium accepts (probe README).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bindDeviceKey, challengeDeviceRefresh, refreshBoundSession } from '../auth/sessions/dbsc.js';
import { AuthError } from '../auth/errors.js';
import type { IssuedSession } from '../auth/sessions/sessions.js';
import type { AppEnv } from '../http/deps.js';
import { readCookie, REFRESH_COOKIE } from '../http/cookies.js';
import { createRouter, errorResponses, jsonContent } from '../http/router.js';
import { requestContext } from '../http/request-context.js';
import { DBSC_REFRESH_PATH, DBSC_REGISTER_PATH } from '../http/security.js';
import { setRefreshCookie } from '../http/session-response.js';

const SessionConfig = z
  .object({
    session_identifier: z.string(),
    refresh_url: z.literal(DBSC_REFRESH_PATH),
    scope: z.object({
      origin: z.string(),
      include_site: z.literal(false),
      scope_specification: z.array(
        z.object({ type: z.enum(['include', 'exclude']), domain: z.string(), path: z.string() }),
      ),
    }),
    credentials: z.array(
      z.object({ type: z.literal('cookie'), name: z.literal(REFRESH_COOKIE), attributes: z.string() }),
    ),
  })
  .openapi('DbscSessionConfig');

const register = createRoute({
  method: 'post',
  path: DBSC_REGISTER_PATH,
  operationId: 'registerDeviceBoundSession',
  tags: ['Sessions'],
  summary: 'DBSC registration: bind the browser key to the session (sent by the browser itself)',
  description:
    'Empty body, no Content-Type; header `Secure-Session-Response`: a dbsc+jwt (ES256) whose `jwk` header is the key and whose `jti` is the challenge of `Secure-Session-Registration`.',
  request: { headers: z.object({ 'secure-session-response': z.string().optional() }) },
  responses: {
    200: jsonContent(
      SessionConfig,
      'Bound: the session config; Set-Cookie carries the refresh cookie that must be renewed within DBSC_COOKIE_TTL',
    ),
    ...errorResponses(401, 403, 415, 429),
  },
});

const refresh = createRoute({
  method: 'post',
  path: DBSC_REFRESH_PATH,
  operationId: 'refreshDeviceBoundSession',
  tags: ['Sessions'],
  summary: 'DBSC refresh: renew a bound session with a proof of its key (sent by the browser itself)',
  description:
    'Empty body, no Content-Type; header `Sec-Secure-Session-Id`. Without `Secure-Session-Response`: 403 with `Secure-Session-Challenge: "<challenge>";id="<session id>"`. With a proof signed by the bound key over that challenge: 200 and the next refresh cookie.',
  request: {
    headers: z.object({
      'sec-secure-session-id': z.string().optional(),
      'secure-session-response': z.string().optional(),
    }),
  },
  responses: {
    200: jsonContent(SessionConfig, 'Renewed: the session config; Set-Cookie carries the next refresh cookie'),
    ...errorResponses(401, 403, 415, 429),
  },
});

/** The session config Chromium expects: the refresh cookie is the bound credential, scoped to our origin. */
export function sessionConfig(c: Context<AppEnv>, sessionId: string): z.infer<typeof SessionConfig> {
  const origin = new URL(c.get('deps').config.publicUrl);
  return {
    session_identifier: sessionId,
    refresh_url: DBSC_REFRESH_PATH,
    scope: {
      origin: origin.origin,
      include_site: false,
      // The built front end's hashed assets need no session: never hold them back for a refresh.
      scope_specification: [{ type: 'exclude', domain: origin.hostname, path: '/assets' }],
    },
    credentials: [{ type: 'cookie', name: REFRESH_COOKIE, attributes: 'Path=/; Secure; HttpOnly; SameSite=Strict' }],
  };
}

function configResponse(c: Context<AppEnv>, issued: IssuedSession) {
  setRefreshCookie(c, issued);
  c.header('Cache-Control', 'no-store');
  return c.json(sessionConfig(c, issued.session.id), 200);
}

/** A DBSC header value we will read: bounded and free of anything a proof or id never holds. */
function headerValue(c: Context<AppEnv>, name: string): string | null {
  const value = c.req.header(name)?.trim();
  return value && value.length <= 4096 && /^[\x21-\x7e]+$/.test(value) ? value : null;
}

export function dbscRoutes() {
  return createRouter()
    .openapi(register, async (c) => {
      const proof = headerValue(c, 'secure-session-response');
      if (!proof) throw new AuthError('DBSC_PROOF_INVALID', 'Send the registration proof in Secure-Session-Response');
      return configResponse(c, await bindDeviceKey(c.get('deps'), { proof, context: requestContext(c) }));
    })
    .openapi(refresh, async (c) => {
      const sessionId = headerValue(c, 'sec-secure-session-id');
      // Session ids are base64url: anything else names no session and must not reach a header.
      if (!sessionId || !/^[A-Za-z0-9_-]{1,64}$/.test(sessionId))
        throw new AuthError('DBSC_PROOF_INVALID', 'Send the session id in Sec-Secure-Session-Id');
      const proof = headerValue(c, 'secure-session-response');
      if (!proof) {
        const challenge = await challengeDeviceRefresh(c.get('deps'), { sessionId });
        // Structured-field strings: neither value can hold a quote or backslash (base64url ids and challenges).
        c.header('Secure-Session-Challenge', `"${challenge}";id="${sessionId}"`);
        throw new AuthError(
          'DBSC_CHALLENGE',
          'Sign the challenge in Secure-Session-Challenge with the key bound to this session',
        );
      }
      // The cookie comes along when the browser renews before it expired: the renewal then answers
      // a racing /auth/refresh of the page with the same successor (auth/sessions/dbsc.ts).
      const cookie = readCookie(c.req.header('cookie'), REFRESH_COOKIE);
      return configResponse(
        c,
        await refreshBoundSession(c.get('deps'), { sessionId, proof, cookie, context: requestContext(c) }),
      );
    });
}
