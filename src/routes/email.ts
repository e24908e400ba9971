/**
 * Sign-in by emailed link or code: POST /auth/email/start and /auth/email/verify (API.md), the
 * page the emailed link opens, its script, and GET /auth/email/link-info for the front end.
 *
 * The link page (GET and HEAD /auth/email/verify) never uses the token up: mail scanners open
 * links too. It serves the front end's index.html when the app was given one (`linkPage`), whose
 * own page for this path asks the person to confirm; otherwise a minimal server page with a
 * confirm button, whose external script (the CSP allows no inline script) POSTs the token as JSON
 * and then goes to `/`. Both send Referrer-Policy: no-referrer (the URL holds the token) and
 * Cache-Control: no-store.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { emailLinkInfo, startEmailSignIn, verifyEmailCode, verifyEmailLink } from '../auth/email/email-sign-in.js';
import { AuthError } from '../auth/errors.js';
import { LINK_TOKEN_PATTERN } from '../auth/email/magic-links.js';
import { optionalAuth } from '../http/require-auth.js';
import {
  createRouter,
  errorResponses,
  jsonBody,
  jsonContent,
  optionalBearerSecurity,
  SessionResponseSchema,
} from '../http/router.js';
import { sessionResponse } from '../http/session-response.js';
import { CONFIRM_SCRIPT, renderLinkPage } from '../views/link-page.js';
import { brandAppShell } from '../views/app-shell.js';
import { isoTime, requestContext } from '../http/request-context.js';

export interface EmailRoutesOptions {
  /** The front end's index.html, when there is one; null or absent: the server's own link page. */
  linkPage?: () => Promise<string | null>;
}

const LinkToken = z
  .string()
  .regex(LINK_TOKEN_PATTERN, 'token must be the base64url token from the emailed link')
  .openapi({ description: 'The `token` parameter of the emailed link (base64url)' });

const StartBody = z
  .object({
    email: z.string().openapi({ example: 'ada@example.com' }),
    returnTo: z
      .string()
      .optional()
      .openapi({
        description:
          'Where to land after signing in with this link or code: an absolute http(s) URL of at most 2,048 characters on PUBLIC_URL or an ' +
          'APP_ORIGINS origin. Kept with the token; the verify answer carries it back.',
        example: 'https://app.example.com/notes',
      }),
  })
  .strict()
  .openapi('EmailStart');

const VerifyBody = z
  .union(
    [
      z.object({ token: LinkToken }).strict().openapi('EmailVerifyLink'),
      z
        .object({
          email: z.string().openapi({ example: 'ada@example.com' }),
          code: z.string().regex(/^\d{6}$/, 'code must be the six digits from the email'),
        })
        .strict()
        .openapi('EmailVerifyCode'),
    ],
    { error: 'send {"token"} from the link, or {"email", "code"} with the six-digit code' },
  )
  .openapi('EmailVerify');

/** The session response, plus the `returnTo` kept with the link or code when one was given. */
const EmailSessionResponseSchema = SessionResponseSchema.extend({
  returnTo: z
    .string()
    .optional()
    .openapi({ description: 'The returnTo given to /auth/email/start, when there was one' }),
}).openapi('EmailSessionResponse');

const start = createRoute({
  method: 'post',
  path: '/auth/email/start',
  operationId: 'startEmailSignIn',
  tags: ['Email sign-in'],
  summary: 'Email a sign-in link and code',
  description:
    'Answers 202 at once, the same whether or not the address has an account. The message carries a link and a six-digit code, ' +
    'both valid MAGIC_LINK_TTL seconds, single use; a new request makes the older ones dead.',
  request: jsonBody(StartBody),
  responses: {
    202: jsonContent(z.object({ ok: z.literal(true) }).openapi('Accepted'), 'The message is on its way'),
    ...errorResponses(400, 403, 413, 415, 429),
  },
});

const verify = createRoute({
  method: 'post',
  path: '/auth/email/verify',
  operationId: 'verifyEmailSignIn',
  tags: ['Email sign-in'],
  summary: 'Sign in (or up) with the emailed link token or code',
  description:
    'A first-time address gets a verified account (201). An unverified account (made by passkey sign-up) is replaced by a new ' +
    "verified one (201), except when its own confirmation message is proved with that account's Bearer token (200, passkeys kept).",
  security: optionalBearerSecurity,
  middleware: [optionalAuth] as const,
  request: jsonBody(VerifyBody),
  responses: {
    200: jsonContent(EmailSessionResponseSchema, 'Session response for an existing account'),
    201: jsonContent(EmailSessionResponseSchema, 'Session response for a new account'),
    ...errorResponses(400, 401, 403, 413, 415, 429),
  },
});

const page = createRoute({
  method: 'get',
  path: '/auth/email/verify',
  operationId: 'getEmailLinkPage',
  tags: ['Email sign-in'],
  summary: 'The page the emailed link opens (GET or HEAD); never uses the token up',
  request: { query: z.object({ token: z.string().optional() }) },
  responses: {
    200: { content: { 'text/html': { schema: z.string() } }, description: 'A page asking the person to confirm' },
  },
});

const script = createRoute({
  method: 'get',
  path: '/auth/email/confirm.js',
  operationId: 'getEmailConfirmScript',
  tags: ['Email sign-in'],
  summary: "The link page's script: POSTs the token as JSON, then goes to the kept returnTo or /",
  responses: { 200: { content: { 'text/javascript': { schema: z.string() } }, description: 'JavaScript' } },
});

const linkInfo = createRoute({
  method: 'get',
  path: '/auth/email/link-info',
  operationId: 'getEmailLinkInfo',
  tags: ['Email sign-in'],
  summary: 'Which address a live link signs in; never uses it up',
  request: { query: z.object({ token: LinkToken }) },
  responses: {
    200: jsonContent(
      z
        .object({
          email: z.string(),
          expiresAt: z.string(),
          purpose: z
            .enum(['sign_in', 'change'])
            .openapi({ description: 'change: confirm with POST /auth/email/change/verify' }),
        })
        .openapi('EmailLinkInfo'),
      'The link is live',
    ),
    ...errorResponses(400, 401, 429),
  },
});

export function emailRoutes({ linkPage }: EmailRoutesOptions = {}) {
  return createRouter()
    .openapi(start, async (c) => {
      const { email, returnTo } = c.req.valid('json');
      await startEmailSignIn(c.get('deps'), { email, returnTo, context: requestContext(c) });
      return c.json({ ok: true as const }, 202);
    })
    .openapi(verify, async (c) => {
      const body = c.req.valid('json');
      // A Bearer token is optional here, but one that is sent must be valid (see auth/email/email-sign-in.ts).
      const auth = c.get('auth') ?? null;
      const input = { auth, context: requestContext(c) };
      const { issued, created, returnTo } =
        'token' in body
          ? await verifyEmailLink(c.get('deps'), { ...input, token: body.token })
          : await verifyEmailCode(c.get('deps'), { ...input, email: body.email, code: body.code });
      const extra = returnTo === null ? {} : { returnTo };
      return created ? sessionResponse(c, issued, 201, extra) : sessionResponse(c, issued, 200, extra);
    })
    .openapi(page, async (c) => {
      // The URL holds the token: it must not leak to other sites or stay in a cache.
      c.header('Referrer-Policy', 'no-referrer');
      c.header('Cache-Control', 'no-store');
      // Both answers are in the request's language (cookie, then Accept-Language).
      c.header('Vary', 'Accept-Language, Cookie');
      const { branding } = c.get('deps').config;
      const locale = c.get('language');
      const frontEnd = linkPage ? await linkPage() : null;
      if (frontEnd !== null) return c.html(brandAppShell(frontEnd, { branding, locale }), 200);
      const token = c.req.valid('query').token ?? '';
      const info = token ? await emailLinkInfo(c.get('deps'), token) : null;
      return c.html(renderLinkPage({ token, info, locale, branding }), 200);
    })
    .openapi(script, (c) => {
      c.header('Content-Type', 'text/javascript; charset=utf-8');
      c.header('Cache-Control', 'public, max-age=300');
      return c.body(CONFIRM_SCRIPT, 200);
    })
    .openapi(linkInfo, async (c) => {
      c.header('Referrer-Policy', 'no-referrer');
      c.header('Cache-Control', 'no-store');
      const info = await emailLinkInfo(c.get('deps'), c.req.valid('query').token);
      if (!info) throw new AuthError('INVALID_LINK', 'This link is invalid, expired or already used');
      return c.json({ email: info.email, expiresAt: isoTime(info.expiresAt), purpose: info.purpose }, 200);
    });
}
