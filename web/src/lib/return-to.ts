/**
 * `?returnTo=`: an application sends people to Sesame's pages with the URL to come back to
 * (API.md, "Applications"). The pages keep it through the whole flow (sign-in page, "Check your
 * email", the link page, the passkey offer) and leave for it when a sign-in finishes.
 *
 * Invariants:
 * - Nothing is followed that the server did not accept: a `?returnTo=` is kept only after
 *   `GET /auth/return-to` answered 200 (the one rule, src/auth/return-to.ts: exact origin match on
 *   PUBLIC_URL or APP_ORIGINS), and the URL followed is the one the server answered with. A value
 *   from a verify's session response was checked by the server when it was stored and again when
 *   it was handed back.
 * - Kept per tab (sessionStorage), for at most an hour: a later visit in the same tab does not
 *   leave for an old app by surprise. An emailed link opened elsewhere gets it from the server.
 *
 * The pages call three things: `pendingReturnTo()` (for POST /auth/email/start), `keepReturnTo()`
 * (with a verify's `returnTo`), and `finishSignIn()` once a sign-in is done.
 */
import { navigate, type NavigationState } from '../router.js';

const STORAGE_KEY = 'sesame-return-to';
const MAX_AGE_MS = 60 * 60_000;

export interface ReturnToDeps {
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
  /** Full-page navigation to another origin (or this one, outside the app's router). */
  leave: (url: string) => void;
  /** In-app navigation (the router's). */
  navigate: (to: string, options: { replace: boolean; state: NavigationState }) => void;
  now: () => number;
  /** This page's URL query (`location.search`). */
  search: () => string;
}

export interface ReturnTo {
  /** Reads `?returnTo=` from the page URL and keeps it once the server accepts it. Call once on load. */
  capture(): Promise<void>;
  /** The kept returnTo (waiting for `capture` to finish), or undefined. */
  pending(): Promise<string | undefined>;
  /** Keeps a returnTo the server handed back (a verify's session response); ignores undefined. */
  keep(url: string | undefined): void;
  /**
   * A sign-in is done: leave for the kept returnTo (forgetting it), or go to `fallback` (the
   * account page) inside the app, handing it `state`.
   */
  finish(options?: { fallback?: string; state?: NavigationState }): Promise<void>;
}

export function createReturnTo(deps: ReturnToDeps): ReturnTo {
  let capturing: Promise<void> = Promise.resolve();

  function read(): string | undefined {
    try {
      const raw = deps.storage?.getItem(STORAGE_KEY);
      if (!raw) return undefined;
      const kept = JSON.parse(raw) as { url?: unknown; at?: unknown };
      if (typeof kept.url !== 'string' || typeof kept.at !== 'number' || deps.now() - kept.at > MAX_AGE_MS) {
        forget();
        return undefined;
      }
      return kept.url;
    } catch {
      return undefined;
    }
  }

  function write(url: string): void {
    try {
      deps.storage?.setItem(STORAGE_KEY, JSON.stringify({ url, at: deps.now() }));
    } catch {
      // Storage full or disabled: the flow still works, it just ends on the account page.
    }
  }

  function forget(): void {
    try {
      deps.storage?.removeItem(STORAGE_KEY);
    } catch {
      // Nothing kept, nothing to forget.
    }
  }

  async function check(raw: string): Promise<void> {
    try {
      const response = await deps.fetch(`/auth/return-to?${new URLSearchParams({ returnTo: raw })}`, {
        headers: { Accept: 'application/json' },
      });
      const body = (await response.json().catch(() => null)) as { returnTo?: unknown } | null;
      // Only the server's answer is ever followed, never the raw parameter.
      if (response.ok && typeof body?.returnTo === 'string') write(body.returnTo);
      else {
        forget();
        console.warn('Sesame: returnTo refused by the server; signing in will end on the account page');
      }
    } catch {
      // Unchecked is unfollowed.
      forget();
    }
  }

  return {
    capture() {
      const raw = new URLSearchParams(deps.search()).get('returnTo');
      if (raw !== null) capturing = check(raw);
      return capturing;
    },

    async pending() {
      await capturing;
      return read();
    },

    keep(url) {
      if (url) write(url);
    },

    async finish({ fallback = '/account', state = {} } = {}) {
      await capturing;
      const target = read();
      if (target) {
        forget();
        deps.leave(target);
        return;
      }
      deps.navigate(fallback, { replace: true, state });
    },
  };
}

/** The pages' instance, on this window. */
const returnTo = createReturnTo({
  storage: typeof sessionStorage === 'undefined' ? null : sessionStorage,
  fetch: (input, init) => fetch(input, init),
  // Replace: Back from the app must not land on a finished sign-in page.
  leave: (url) => location.replace(url),
  navigate: (to, options) => navigate(to, options),
  now: Date.now,
  search: () => location.search,
});

export const captureReturnTo = returnTo.capture;
export const pendingReturnTo = returnTo.pending;
export const keepReturnTo = returnTo.keep;
export const finishSignIn = returnTo.finish;
