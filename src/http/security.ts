/**
 * HTTP hardening applied to every request before any route runs.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps.js';
import { AuthError } from '../auth/errors.js';

export const MAX_BODY_BYTES = 64 * 1024;

/** The pages' CSP; `imgOrigin` adds the origin of a LOGO_URL served elsewhere. */
export const pageCsp = (imgOrigin?: string | null) =>
  `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:${imgOrigin ? ` ${imgOrigin}` : ''}; connect-src 'self'; ` +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

export const PAGE_CSP = pageCsp();

/** Headers on every response: API.md's list plus the usual safe defaults. */
export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  // Assets fetched from the Workers binding come with immutable headers: copy before setting.
  try {
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
  } catch {
    c.res = new Response(c.res.body, c.res);
  }
  const { publicUrl, branding } = c.get('deps').config;
  const logoOrigin = branding.logoUrl ? new URL(branding.logoUrl).origin : null;
  // Images from the logo's own origin only, and only when the logo is not on this one.
  const csp = logoOrigin && logoOrigin !== new URL(publicUrl).origin ? pageCsp(logoOrigin) : PAGE_CSP;
  applySecurityHeaders(c.res.headers, { https: publicUrl.startsWith('https:'), csp });
};

/** The headers every response carries, including those answered outside the app (a Worker that cannot start). */
export function applySecurityHeaders(h: Headers, { https, csp = PAGE_CSP }: { https: boolean; csp?: string }): void {
  h.set('X-Content-Type-Options', 'nosniff');
  if (!h.has('Content-Security-Policy')) h.set('Content-Security-Policy', csp);
  h.set('X-Frame-Options', 'DENY');
  if (!h.has('Referrer-Policy')) h.set('Referrer-Policy', 'strict-origin-when-cross-origin');
  h.set('Cross-Origin-Opener-Policy', 'same-origin');
  h.set('Cross-Origin-Resource-Policy', 'same-origin');
  h.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  if (https) h.set('Strict-Transport-Security', 'max-age=63072000; includeSubDomains');
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence in depth for state-changing requests: a browser always sends Origin on them, so
 * an Origin that is not ours (or an allowed front end) is a cross-site request; Sec-Fetch-Site
 * catches the rest. Requests with no Origin come from non-browser clients and carry no ambient
 * credentials we would honour by mistake (the cookie is SameSite=Strict besides).
 */
export const originCheck: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (SAFE_METHODS.has(c.req.method)) return next();
  const { publicUrl, appOrigins } = c.get('deps').config;
  const origin = c.req.header('origin');
  const allowed = origin !== undefined && (origin === publicUrl || appOrigins.includes(origin));
  // An Origin header we do not know, including the opaque "null", is a cross-site request.
  if (origin !== undefined && !allowed) throw new AuthError('FORBIDDEN_ORIGIN', 'Cross-site request refused');
  // Fetch metadata: a cross-site request from a front end not in APP_ORIGINS is refused.
  if (c.req.header('sec-fetch-site') === 'cross-site' && !allowed)
    throw new AuthError('FORBIDDEN_ORIGIN', 'Cross-site request refused');
  return next();
};

/**
 * State-changing requests must be JSON: it is the only body we read, and a non-simple content
 * type forces a CORS preflight, which a cross-site form or fetch cannot pass. DELETE without a
 * body is fine.
 */
export const requireJson: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (SAFE_METHODS.has(c.req.method)) return next();
  const hasBody =
    c.req.header('content-length') !== undefined
      ? c.req.header('content-length') !== '0'
      : c.req.header('transfer-encoding') !== undefined;
  if (c.req.method === 'DELETE' && !hasBody) return next();
  // Chromium's DBSC requests carry no body and no Content-Type; nothing else is let through bodiless.
  if (isDbscBrowserRequest(c.req.method, c.req.path, c.req.header(), hasBody)) return next();
  const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    throw new AuthError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json');
  return next();
};

export const DBSC_REGISTER_PATH = '/auth/dbsc/register';
export const DBSC_REFRESH_PATH = '/auth/dbsc/refresh';

/** The DBSC endpoints (routes/dbsc.ts) and the header each one requires of the browser. */
const DBSC_PATHS: Record<string, string> = {
  [DBSC_REGISTER_PATH]: 'secure-session-response',
  [DBSC_REFRESH_PATH]: 'sec-secure-session-id',
};

/**
 * Exactly the requests Chromium's DBSC makes: a POST to one of the two DBSC paths, with no body, no
 * Content-Type, and the DBSC header of that step. They act on no cookie (the proof, or the
 * session id and a proof, are the credential), so the JSON rule's CSRF role does not apply; the
 * Origin rule still does (originCheck runs first and refuses a foreign Origin or cross-site fetch).
 */
export function isDbscBrowserRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
  hasBody: boolean,
): boolean {
  const required = DBSC_PATHS[path];
  return (
    method === 'POST' &&
    required !== undefined &&
    !hasBody &&
    headers['content-type'] === undefined &&
    typeof headers[required] === 'string'
  );
}

/** A body over the limit is still read (and dropped) up to this much, so the connection stays usable. */
export const MAX_DRAIN_BYTES = 1024 * 1024;

const tooLarge = () => new AuthError('PAYLOAD_TOO_LARGE', `The request body exceeds ${MAX_BODY_BYTES} bytes`);

/**
 * Reads what is left of a refused body and drops it, up to MAX_DRAIN_BYTES, then cancels the
 * stream. Answering before the body is consumed leaves the rest on the connection: workerd then
 * fails the next request on it ("Your worker restarted mid-request", 503).
 */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, alreadyRead: number): Promise<void> {
  let total = alreadyRead;
  try {
    while (total <= MAX_DRAIN_BYTES) {
      const { done, value } = await reader.read();
      if (done) return;
      total += value.byteLength;
    }
    await reader.cancel();
  } catch {
    /* the client went away: nothing left to keep */
  }
}

/**
 * 64 KiB. A declared Content-Length is checked as a number (the HTTP parser never delivers more
 * than it declares); a chunked body, which declares nothing, is read here up to the limit and
 * handed on as bytes. Either way an oversized body is drained (or cancelled) before the 413.
 */
export const limitBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (SAFE_METHODS.has(c.req.method)) return next();
  // c.req.raw.body is read only when needed: on Node it turns the light request into a full
  // Request (undici, an AbortSignal, a stream), about 5% of a refresh's CPU.
  const length = c.req.header('content-length');
  if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
    if (!/^\d+$/.test(length)) throw new AuthError('INVALID_REQUEST', 'Content-Length is not a number');
    if (Number(length) > MAX_BODY_BYTES) {
      const body = c.req.raw.body;
      if (body) await drain(body.getReader(), 0);
      throw tooLarge();
    }
    return next();
  }
  const body = c.req.raw.body;
  if (!body) return next();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    // Counted on the stream: a chunked body can claim nothing in advance.
    if (size > MAX_BODY_BYTES) {
      await drain(reader, size);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  c.req.raw = new Request(c.req.raw, { body: bytes });
  return next();
};
