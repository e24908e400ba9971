/**
 * Self-describing refresh tokens: `<sessionId>.<generation>.<nonce>.<tag>`.
 *
 * - `nonce` is 256 random bits: the current token cannot be guessed, even by someone holding the
 *   MAC key; the database keeps only the SHA-256 of the current generation's token (and of the
 *   previous one, for the reuse window).
 * - `tag` is HMAC-SHA-256 (first 128 bits) under a server key over the session id, generation and
 *   nonce: it proves a token of an *older* generation was minted here, so it can be recognised as
 *   reuse (RFC 9700 §4.14.2) with no row kept for it. A forged older-generation token (no valid
 *   tag) is merely invalid: nobody can revoke someone else's session by guessing its id.
 * - The server key (ServerSecrets.refreshTokenKey) is HKDF(SIGNING_KEY_SECRET) when that is set
 *   (always in production), so a copy of the database alone forges nothing; in development a random
 *   key kept in `server_secrets` under the name `refresh_token_mac`.
 *
 * Storage per session is therefore constant however often it rotates. Tokens from before this
 * format (43 base64url characters, a `refresh_tokens` row each) keep working until they rotate once.
 */
import { generateToken, timingSafeEqual, type CryptoPrimitives } from '../../lib/crypto.js';
import type { ServerSecrets } from '../server-secrets.js';

/** The MAC key (ServerSecrets.refreshTokenKey) and the primitives to compute it with. */
export type RefreshTokenDeps = { secrets: ServerSecrets; crypto: CryptoPrimitives };

export interface ParsedRefreshToken {
  sessionId: string;
  generation: number;
  nonce: string;
  tag: string;
}

/** Tag length in base64url characters (16 bytes). */
const TAG_CHARS = 22;

/** A legacy token (43 base64url characters) or a self-describing one; anything else is not ours. */
export const REFRESH_TOKEN_PATTERN =
  /^(?:[A-Za-z0-9_-]{43}|[A-Za-z0-9_-]{16,64}\.(?:0|[1-9][0-9]{0,14})\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{22})$/;

/** The parts of a self-describing token, or null for a legacy (or malformed) one. */
export function parseRefreshToken(token: string): ParsedRefreshToken | null {
  const parts = token.split('.');
  if (parts.length !== 4 || !REFRESH_TOKEN_PATTERN.test(token)) return null;
  const [sessionId, gen, nonce, tag] = parts as [string, string, string, string];
  return { sessionId, generation: Number(gen), nonce, tag };
}

const macInput = (sessionId: string, generation: number, nonce: string) => `${sessionId}.${generation}.${nonce}`;

export async function mintRefreshToken(
  { secrets, crypto }: RefreshTokenDeps,
  sessionId: string,
  generation: number,
): Promise<string> {
  const nonce = generateToken();
  const tag = (await crypto.hmacSha256(await secrets.refreshTokenKey(), macInput(sessionId, generation, nonce))).slice(
    0,
    TAG_CHARS,
  );
  return `${sessionId}.${generation}.${nonce}.${tag}`;
}

/** True when the token was minted with this key (constant-time comparison of the tag). */
export async function hasValidTag({ secrets, crypto }: RefreshTokenDeps, token: ParsedRefreshToken): Promise<boolean> {
  const expected = (
    await crypto.hmacSha256(await secrets.refreshTokenKey(), macInput(token.sessionId, token.generation, token.nonce))
  ).slice(0, TAG_CHARS);
  return timingSafeEqual(expected, token.tag);
}
