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
import { emailLinkInfo, startEmailSignIn, verifyEmailCode, verifyEmailLink } from '../auth/email-sign-in.js';
import { AuthError } from '../auth/errors.js';
import { LINK_TOKEN_PATTERN } from '../auth/magic-links.js';
import type { Authenticated } from '../auth/sessions.js';
import { optionalAuth } from '../http/require-auth.js';
import { createRouter, errorResponses, jsonBody, jsonContent, optionalBearerSecurity, SessionResponseSchema } from '../http/router.js';
import { sessionResponse } from '../http/session-response.js';
import { escapeHtml } from '../mail/templates.js';
import { PRODUCT_NAME } from '../mail/product.js';
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
    returnTo: z.string().optional().openapi({
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
  returnTo: z.string().optional().openapi({ description: 'The returnTo given to /auth/email/start, when there was one' }),
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
  responses: { 200: { content: { 'text/html': { schema: z.string() } }, description: 'A page asking the person to confirm' } },
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
          purpose: z.enum(['sign_in', 'change']).openapi({ description: 'change: confirm with POST /auth/email/change/verify' }),
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
      await startEmailSignIn(c.var.deps, { email, returnTo, context: requestContext(c) });
      return c.json({ ok: true as const }, 202);
    })
    .openapi(verify, async (c) => {
      const body = c.req.valid('json');
      // A Bearer token is optional here, but one that is sent must be valid (see auth/email-sign-in.ts).
      const auth = (c.get('auth') as Authenticated | undefined) ?? null;
      const input = { auth, context: requestContext(c) };
      const { issued, created, returnTo } =
        'token' in body
          ? await verifyEmailLink(c.var.deps, { ...input, token: body.token })
          : await verifyEmailCode(c.var.deps, { ...input, email: body.email, code: body.code });
      const extra = returnTo === null ? {} : { returnTo };
      return created ? sessionResponse(c, issued, 201, extra) : sessionResponse(c, issued, 200, extra);
    })
    .openapi(page, async (c) => {
      // The URL holds the token: it must not leak to other sites or stay in a cache.
      c.header('Referrer-Policy', 'no-referrer');
      c.header('Cache-Control', 'no-store');
      const frontEnd = linkPage ? await linkPage() : null;
      if (frontEnd !== null) return c.html(frontEnd, 200);
      const token = c.req.valid('query').token ?? '';
      const info = token ? await emailLinkInfo(c.var.deps, token) : null;
      return c.html(renderLinkPage({ token, info }), 200);
    })
    .openapi(script, (c) => {
      c.header('Content-Type', 'text/javascript; charset=utf-8');
      c.header('Cache-Control', 'public, max-age=300');
      return c.body(CONFIRM_SCRIPT, 200);
    })
    .openapi(linkInfo, async (c) => {
      c.header('Referrer-Policy', 'no-referrer');
      c.header('Cache-Control', 'no-store');
      const info = await emailLinkInfo(c.var.deps, c.req.valid('query').token);
      if (!info) throw new AuthError('INVALID_LINK', 'This link is invalid, expired or already used');
      return c.json({ email: info.email, expiresAt: isoTime(info.expiresAt), purpose: info.purpose }, 200);
    });
}

/**
 * The server's own link page (used when there is no front end): plain HTML, no inline script or
 * style. Links carry the token in the fragment, which never reaches the server: then the page is
 * a confirm form whose script takes the token from the fragment (or says the link is incomplete).
 * Links mailed before that change carry `?token=`, read here as before.
 */
function renderLinkPage({ token, info }: { token: string; info: { email: string; expiresAt: number; purpose: string } | null }): string {
  const product = escapeHtml(PRODUCT_NAME);
  let main: string;
  if (!token) {
    main = `<div id="from-fragment">
<h1>Finish signing in</h1>
<p>Continue with the link from your email on this device?</p>
<form id="confirm" method="get" action="/auth/email/verify">
<input type="hidden" name="token" value="">
<button type="submit">Confirm</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
<noscript><p>Confirming needs JavaScript. You can also type the six-digit code from the email where you asked.</p></noscript>
</div>
<div id="incomplete" hidden>
<h1>This link is incomplete</h1>
<p>Open the link from your email again, or ask for a new one.</p>
</div>`;
  } else if (!info) {
    main = `<h1>This link has expired or was already used</h1>
<p>Each link works once, for a few minutes, and only the newest email counts. Ask for a new one.</p>`;
  } else if (info.purpose === 'change') {
    main = `<h1>Confirm your new address</h1>
<p>Use <strong>${escapeHtml(info.email)}</strong> as your ${product} account's address?</p>
<form id="confirm" method="get" action="/auth/email/verify" data-change>
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">Confirm this address</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
<noscript><p>Confirming needs JavaScript. You can also type the six-digit code from the email on your account page.</p></noscript>`;
  } else {
    main = `<h1>Finish signing in</h1>
<p>Sign in to ${product} as <strong>${escapeHtml(info.email)}</strong> on this device?</p>
<form id="confirm" method="get" action="/auth/email/verify">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">Confirm sign-in</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
<noscript><p>Confirming needs JavaScript. You can also type the six-digit code from the email where you asked to sign in.</p></noscript>
<p>Didn't ask to sign in? Close this page: nothing happens until you confirm.</p>`;
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Sign in to ${product}</title>
<script src="/auth/email/confirm.js" defer></script>
</head>
<body>
<main>
${main}
</main>
</body>
</html>
`;
}

/** Runs under `script-src 'self'`: served from this origin, no eval, no inline handlers. */
const CONFIRM_SCRIPT = `'use strict';
(function () {
  var form = document.getElementById('confirm');
  var status = document.getElementById('status');
  if (!form || !status) return;
  var input = form.elements.namedItem('token');
  if (!input.value) {
    // The link carries the token in the fragment (never sent to a server); take it, then drop it from the address bar.
    var match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
    if (match) {
      input.value = match[1];
      history.replaceState(null, '', location.pathname);
      // A link that proves a new address is confirmed on its own route: ask what this one is for.
      fetch('/auth/email/link-info?token=' + encodeURIComponent(match[1]), { credentials: 'same-origin' })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (info) { if (info && info.purpose === 'change') form.setAttribute('data-change', ''); }, function () {});
    } else {
      document.getElementById('from-fragment').hidden = true;
      document.getElementById('incomplete').hidden = false;
      return;
    }
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var button = form.querySelector('button');
    var token = input.value;
    button.disabled = true;
    status.textContent = 'Confirming\\u2026';
    var request = {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: token })
    };
    // A link that proves a new address for an account (data-change) is confirmed on its own route.
    (form.hasAttribute('data-change') ? fetch('/auth/email/change/verify', request) : fetch('/auth/email/verify', request)).then(function (res) {
      // Replace: going Back must not land on a link that is now used up. The server checked
      // returnTo against PUBLIC_URL and APP_ORIGINS before it kept it with the link.
      if (res.ok) return res.json().then(function (body) {
        location.replace(body && typeof body.returnTo === 'string' ? body.returnTo : '/');
      }, function () {
        location.replace('/');
      });
      status.textContent = res.status === 401
        ? 'This link has expired or was already used. Ask for a new one.'
        : res.status === 429 ? 'Too many attempts. Wait a minute and try again.' : 'Something went wrong. Try again.';
      button.disabled = false;
    }, function () {
      status.textContent = 'Could not reach the server. Check your connection and try again.';
      button.disabled = false;
    });
  });
})();
`;
