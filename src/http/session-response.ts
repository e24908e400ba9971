/** API.md's "session response": JSON body, the rotated refresh cookie, and no caching. */
import type { Context } from 'hono';
import type { AppEnv } from '../deps.js';
import type { IssuedSession } from '../auth/sessions.js';
import { refreshCookie } from './cookies.js';

/** `extra`: fields some routes add (the email verify's `returnTo`). */
export function sessionResponse<S extends 200 | 201 = 200>(
  c: Context<AppEnv>,
  issued: IssuedSession,
  status: S = 200 as S,
  extra: { returnTo?: string } = {},
) {
  const now = c.var.deps.clock();
  c.header('Set-Cookie', refreshCookie(issued.refreshToken, (issued.refreshExpiresAt - now) / 1000), { append: true });
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
