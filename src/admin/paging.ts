/**
 * Paging for the admin lists: `limit` (default 50, capped at 200) and an opaque `cursor`
 * (base64url JSON of the last row's sort key). Anything that does not parse is a 400 naming it.
 */
import { base64UrlToBytes, bytesToBase64Url, utf8 } from '../lib/encoding.js';
import { AuthError } from '../auth/errors.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export function parseLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_LIMIT;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1)
    throw new AuthError(
      'INVALID_REQUEST',
      `limit: a whole number from 1 to ${MAX_LIMIT}, got ${JSON.stringify(raw.slice(0, 40))}`,
    );
  return Math.min(Number(raw), MAX_LIMIT);
}

export function encodeCursor(value: Record<string, string | number>): string {
  return bytesToBase64Url(utf8.encode(JSON.stringify(value)));
}

/** Decodes a cursor whose fields must have the types `shape` names; a bad one is a 400 naming `cursor`. */
export function decodeCursor<T extends Record<string, 'string' | 'number'>>(
  raw: string | undefined,
  shape: T,
): { [K in keyof T]: T[K] extends 'string' ? string : number } | null {
  if (raw === undefined || raw === '') return null;
  const bad = () => new AuthError('INVALID_REQUEST', 'cursor: not a cursor this list handed out');
  const bytes = raw.length <= 512 ? base64UrlToBytes(raw) : null;
  if (!bytes) throw bad();
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    throw bad();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad();
  for (const [key, type] of Object.entries(shape)) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v !== type || (type === 'number' && !Number.isSafeInteger(v))) throw bad();
  }
  return value as never;
}
