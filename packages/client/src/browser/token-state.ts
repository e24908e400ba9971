/**
 * The in-memory access token and the rules for when it needs renewing.
 *
 * Invariant: a TokenState lives only in memory (a closure of the client, a BroadcastChannel
 * message to same-origin tabs); it is never written to localStorage or sessionStorage, so a
 * script injected later cannot read a token left behind.
 */
import { AuthError } from './auth-error.js';
import type { SessionResponse, User } from './types.js';

export interface TokenState {
  accessToken: string;
  /** Epoch milliseconds on this machine's clock when the token stops working. */
  expiresAt: number;
  /** The lifetime the server granted, in milliseconds. */
  lifetimeMs: number;
  user: User;
}

/** Minimum margin before expiry at which the token is renewed ahead of time. */
const REFRESH_MARGIN_MS = 30_000;
/** Fraction of the lifetime at which the token is renewed ahead of time. */
const REFRESH_FRACTION = 0.2;

/**
 * Reads a session response. The expiry is measured on the local clock from `expiresIn`, so a
 * skewed device clock does not matter.
 */
export function tokenStateFromSessionResponse(body: unknown, now: number, status: number): TokenState {
  const session = body as Partial<SessionResponse> | null;
  const user = session?.user as Partial<User> | undefined;
  if (
    typeof session?.accessToken !== 'string' ||
    typeof session.expiresIn !== 'number' ||
    !(session.expiresIn > 0) ||
    typeof user?.id !== 'string' ||
    typeof user.email !== 'string' ||
    typeof user.emailVerified !== 'boolean'
  ) {
    throw new AuthError({ status, code: 'BAD_RESPONSE', message: 'The server sent an unexpected session response' });
  }
  const lifetimeMs = session.expiresIn * 1000;
  return {
    accessToken: session.accessToken,
    expiresAt: now + lifetimeMs,
    lifetimeMs,
    user: { id: user.id, email: user.email, emailVerified: user.emailVerified },
  };
}

/**
 * True when the token should be renewed before use: less than 20 % of its lifetime or 30 s left.
 * The margin never exceeds half the lifetime, so a short-lived token (tests) is not renewed on
 * every call.
 */
export function needsRenewal(state: TokenState, now: number): boolean {
  const margin = Math.min(Math.max(state.lifetimeMs * REFRESH_FRACTION, REFRESH_MARGIN_MS), state.lifetimeMs / 2);
  return state.expiresAt - now < margin;
}

export function isExpired(state: TokenState, now: number): boolean {
  return state.expiresAt <= now;
}

export function sameUser(a: User | null, b: User | null): boolean {
  if (a === null || b === null) return a === b;
  return a.id === b.id && a.email === b.email && a.emailVerified === b.emailVerified;
}

/** Validates a TokenState that arrived from another tab. */
export function isTokenState(value: unknown): value is TokenState {
  const state = value as Partial<TokenState> | null;
  return (
    typeof state?.accessToken === 'string' &&
    typeof state.expiresAt === 'number' &&
    typeof state.lifetimeMs === 'number' &&
    typeof state.user?.id === 'string' &&
    typeof state.user.email === 'string' &&
    typeof state.user.emailVerified === 'boolean'
  );
}
