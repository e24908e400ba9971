/**
 * API.md's "session response": JSON body, the rotated refresh cookie, no caching, and the DBSC
 * offer (`Secure-Session-Registration`) on a session's first response to a browser.
 */
import type { Context } from 'hono';
import type { AppEnv } from './deps.js';
import { isDeviceBound, offerDeviceBinding } from '../auth/sessions/dbsc.js';
import type { IssuedSession } from '../auth/sessions/sessions.js';
import { refreshCookie } from './cookies.js';
import { DBSC_REGISTER_PATH } from './security.js';

/**
 * The refresh cookie of `issued`. A bound session's cookie lives DBSC_COOKIE_TTL (the server
 * refuses it after that anyway): its expiry is what makes the browser renew it with a proof.
 */
export function setRefreshCookie(c: Context<AppEnv>, issued: IssuedSession): void {
  const { clock, config } = c.get('deps');
  const remaining = (issued.refreshExpiresAt - clock()) / 1000;
  const maxAge = isDeviceBound(issued.session) ? Math.min(config.dbscCookieTtl, remaining) : remaining;
  c.header('Set-Cookie', refreshCookie(issued.refreshToken, maxAge), { append: true });
}

/**
 * A browser request (every current browser sends Fetch Metadata; API clients do not): only there
 * can the DBSC offer be taken up, so only there is a challenge minted for it.
 */
const fromBrowser = (c: Context<AppEnv>) => c.req.header('sec-fetch-mode') !== undefined;

/** `extra`: fields some routes add (the email verify's `returnTo`). */
export async function sessionResponse<S extends 200 | 201 = 200>(
  c: Context<AppEnv>,
  issued: IssuedSession,
  status: S = 200 as S,
  extra: { returnTo?: string } = {},
) {
  // For the refresh metrics: answered from the reuse window, not a new rotation.
  if (issued.replayed) c.set('refreshReplayed', true);
  setRefreshCookie(c, issued);
  if (fromBrowser(c)) {
    const challenge = await offerDeviceBinding(c.get('deps'), issued.session);
    // ES256 only: the one algorithm dbsc-proof.ts verifies. Browsers without DBSC ignore the header.
    if (challenge)
      c.header('Secure-Session-Registration', `(ES256);path="${DBSC_REGISTER_PATH}";challenge="${challenge}"`);
  }
  c.header('Cache-Control', 'no-store');
  return c.json(
    {
      accessToken: issued.accessToken,
      tokenType: 'Bearer' as const,
      expiresIn: issued.expiresIn,
      user: { id: issued.user.id, email: issued.user.email, emailVerified: issued.user.emailVerified },
      ...extra,
    },
    status,
  );
}
