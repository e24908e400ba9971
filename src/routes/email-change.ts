/** Changing the account's address: POST /auth/email/change and /auth/email/change/verify (rules in auth/email/email-change.ts). */
import { createRoute, z } from '@hono/zod-openapi';
import { startEmailChange, verifyEmailChange } from '../auth/email/email-change.js';
import { LINK_TOKEN_PATTERN } from '../auth/email/magic-links.js';
import { requireAuth, authenticated } from '../http/require-auth.js';
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonContent, UserSchema } from '../http/router.js';
import { requestContext } from '../http/request-context.js';

const change = createRoute({
  method: 'post',
  path: '/auth/email/change',
  summary: 'Ask to move the account to a new address (recent sign-in)',
  description:
    'Answers 202 the same whether or not the new address has an account: a free address gets a link and a code (the sign-in message shape); ' +
    'the owner of a taken one gets a notice instead.',
  security: bearerSecurity,
  middleware: [requireAuth] as const,
  request: jsonBody(
    z
      .object({ email: z.string().max(512) })
      .strict()
      .openapi('EmailChange'),
  ),
  responses: {
    202: jsonContent(z.object({ ok: z.literal(true) }), 'Accepted'),
    ...errorResponses(400, 401, 403, 415, 429),
  },
});

const verify = createRoute({
  method: 'post',
  path: '/auth/email/change/verify',
  summary: 'Prove the new address with its link token or code; the account moves to it, verified',
  request: jsonBody(
    z
      .union(
        [
          z
            .object({
              token: z.string().regex(LINK_TOKEN_PATTERN, 'token must be the base64url token from the emailed link'),
            })
            .strict(),
          z
            .object({
              email: z.string().max(512),
              code: z.string().regex(/^\d{6}$/, 'code must be the six digits from the email'),
            })
            .strict(),
        ],
        { error: 'send {"token"} from the link, or {"email", "code"} with the new address and its six-digit code' },
      )
      .openapi('EmailChangeVerify'),
  ),
  responses: {
    200: jsonContent(z.object({ user: UserSchema }), 'The account with its new address'),
    ...errorResponses(400, 401, 403, 415, 429),
  },
});

export function emailChangeRoutes() {
  return createRouter()
    .openapi(change, async (c) => {
      await startEmailChange(c.get('deps'), {
        auth: authenticated(c),
        email: c.req.valid('json').email,
        context: requestContext(c),
      });
      return c.json({ ok: true as const }, 202);
    })
    .openapi(verify, async (c) => {
      const user = await verifyEmailChange(c.get('deps'), { proof: c.req.valid('json'), context: requestContext(c) });
      c.header('Cache-Control', 'no-store');
      return c.json({ user: { id: user.id, email: user.email, emailVerified: user.emailVerified } }, 200);
    });
}
