/**
 * `returnTo`: where a person lands after signing in (API.md, "Applications"). It is followed by
 * browsers, so it is an open-redirect risk: only an absolute http(s) URL whose origin is
 * PUBLIC_URL's or an APP_ORIGINS entry passes, compared exactly after parsing with the WHATWG URL
 * parser (the one browsers use), and the text itself must already be in the parser's own form for
 * that origin, so no other parser can read a different host into it. Everything else is a 400
 * INVALID_REQUEST naming `returnTo`, logged, and never stored or followed.
 *
 * Runtime-neutral: no node:* import.
 */
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/log.js';
import { AuthError } from './errors.js';

/** API.md: at most 2,048 characters. */
export const MAX_RETURN_TO_LENGTH = 2048;

/** Why a value was refused, for the log and the 400's message; null when it is acceptable. */
export type ReturnToCheck = { ok: true; url: string } | { ok: false; reason: string };

/** The origins a person may be sent back to: PUBLIC_URL's and every APP_ORIGINS entry. */
export function returnToOrigins(config: Pick<Config, 'publicUrl' | 'appOrigins'>): string[] {
  return [config.publicUrl, ...config.appOrigins];
}

export function checkReturnTo(config: Pick<Config, 'publicUrl' | 'appOrigins'>, raw: unknown): ReturnToCheck {
  if (typeof raw !== 'string') return { ok: false, reason: 'must be a string' };
  if (raw.length === 0) return { ok: false, reason: 'must not be empty' };
  if (raw.length > MAX_RETURN_TO_LENGTH)
    return { ok: false, reason: `must be at most ${MAX_RETURN_TO_LENGTH} characters` };
  // Whitespace, control characters and anything outside printable ASCII: parsers strip or map
  // them differently (a tab inside "java\tscript:", a full-width solidus), so none is accepted; a
  // browser's own location.href is always percent-encoded ASCII.
  if (!/^[\x21-\x7e]+$/.test(raw))
    return { ok: false, reason: 'must be printable ASCII without spaces (percent-encode the rest)' };
  // A backslash is a path separator to browsers but not to every parser: "/\evil" is "//evil".
  if (raw.includes('\\')) return { ok: false, reason: 'must not contain a backslash' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'must be an absolute URL' };
  }
  // javascript:, data:, blob: and the like run or render instead of navigating.
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'must be an http(s) URL' };
  // Userinfo ("https://app@evil") hides the real host from a reader; nothing legitimate needs it.
  if (url.username !== '' || url.password !== '')
    return { ok: false, reason: 'must not contain a user name or password' };
  const allowed = returnToOrigins(config);
  // The exact origin (scheme, host, port) must be one of ours: no suffix or prefix match.
  if (!allowed.includes(url.origin)) return { ok: false, reason: `must be on ${allowed.join(' or ')}` };
  // The text must start with that origin as the parser writes it, then a path, query or fragment:
  // this refuses "https:app.example", "HTTPS://APP.EXAMPLE", an explicit default port, percent-
  // encoded host characters and "https://app.example%2F@evil" styles that parse to our origin.
  const next = raw.charAt(url.origin.length);
  if (!raw.startsWith(url.origin) || !(next === '' || next === '/' || next === '?' || next === '#'))
    return { ok: false, reason: `must start with ${url.origin} exactly` };
  return { ok: true, url: url.href };
}

/**
 * The accepted URL (normalised by the parser), null when none was given, or AuthError 400.
 * The refusal is logged: a hostile value is worth seeing in the log.
 */
export function acceptReturnTo(
  { config, logger }: { config: Pick<Config, 'publicUrl' | 'appOrigins'>; logger: Logger },
  raw: string | undefined,
  fields: Record<string, unknown> = {},
): string | null {
  if (raw === undefined) return null;
  const check = checkReturnTo(config, raw);
  if (check.ok) return check.url;
  logger.log('warn', 'returnTo refused', { ...fields, reason: check.reason, returnTo: raw.slice(0, 200) });
  throw new AuthError('INVALID_REQUEST', `returnTo ${check.reason}`);
}
