/**
 * The refresh cookie. Parsing is exact: names are compared byte for byte after trimming only
 * ASCII spaces and tabs, so a cookie named with a leading non-breaking space (or any other look-
 * alike) cannot shadow `__Host-sesame_refresh`. A duplicated name is treated as no cookie at all:
 * we cannot tell which one the browser meant.
 */
import { REFRESH_TOKEN_PATTERN } from '../auth/sessions/refresh-tokens.js';

export const REFRESH_COOKIE = '__Host-sesame_refresh';

export function readCookie(header: string | undefined | null, name: string): string | null {
  if (!header) return null;
  let found: string | null = null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).replace(/^[ \t]+|[ \t]+$/g, '');
    if (key !== name) continue;
    // Two cookies of the same exact name: ambiguous, so refuse both.
    if (found !== null) return null;
    found = part.slice(eq + 1).replace(/^[ \t]+|[ \t]+$/g, '');
  }
  // Our tokens have one of two exact shapes (refresh-tokens.ts): anything else is not ours.
  return found !== null && REFRESH_TOKEN_PATTERN.test(found) ? found : null;
}

/** `__Host-` demands Secure, Path=/ and no Domain; SameSite=Strict keeps it off cross-site requests. */
export function refreshCookie(token: string, maxAgeSeconds: number): string {
  return `${REFRESH_COOKIE}=${token}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; Secure; SameSite=Strict`;
}

export function clearRefreshCookie(): string {
  return `${REFRESH_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;
}
