/**
 * createAuthClient: the browser side of a Sesame session.
 *
 * Invariants:
 * - The access token lives in this closure only (never localStorage/sessionStorage); the refresh
 *   token is an HttpOnly cookie the browser sends to `POST /auth/refresh` and that no script sees.
 * - One refresh at a time: in this tab a single promise serves every caller waiting at that
 *   moment; across tabs the Web Lock `sesame-refresh` serialises them and the BroadcastChannel
 *   `sesame-auth` hands the new token to the others, which then skip their own refresh.
 * - Only a 401 from the refresh endpoint means "signed out for good"; a network failure leaves
 *   the state as it was, so an offline moment never signs anyone out.
 */
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { AuthError, errorFromResponse, type ApiErrorCode } from './auth-error.js';
import { AUTH_CHANNEL_NAME, openAuthChannel, type AuthMessage } from './auth-channel.js';
import { jsonInit, joinUrl, readJson, send, type HttpMethod } from './http.js';
import { accountApi } from './account-api.js';
import { runAuthentication, runRegistration } from './passkey-ceremony.js';
import { clientCapabilities, signalUnknownPasskey } from './passkey-signals.js';
import { defaultLockManager, timeoutSignal, withRefreshLock } from './refresh-lock.js';
import { isExpired, needsRenewal, sameUser, tokenStateFromSessionResponse, type TokenState } from './token-state.js';
import type { EmailLinkInfo, Me, Passkey, SessionInfo, SignInResult, User } from './types.js';
import type { AuthClient, AuthClientOptions } from './auth-client.js';

export type { AuthClient, AuthClientOptions, PasskeySignInOptions } from './auth-client.js';

export function createAuthClient({
  baseUrl = '',
  onSessionChange,
  fetch: fetchImpl = (input, init) => globalThis.fetch(input, init),
  locks = defaultLockManager(),
  channelName = AUTH_CHANNEL_NAME,
  lockTimeoutMs = 10_000,
  refreshTimeoutMs = 15_000,
  now = Date.now,
}: AuthClientOptions = {}): AuthClient {
  let state: TokenState | null = null;
  /** True once the server said the refresh cookie is dead (or after a sign-out). */
  let signedOut = false;
  /** Bumped by every sign-in or sign-out, so a refresh started before it cannot undo it. */
  let epoch = 0;
  let refreshing: Promise<TokenState | null> | null = null;
  let lastEmitted: User | null | undefined;
  const listeners = new Set<(user: User | null) => void>();
  if (onSessionChange) listeners.add(onSessionChange);

  const channel = openAuthChannel(channelName, receive);

  function setState(next: TokenState | null, { broadcast }: { broadcast: boolean }): void {
    state = next;
    signedOut = next === null;
    if (broadcast) channel.post(next ? { type: 'session', session: next } : { type: 'signed-out' });
    const user = next?.user ?? null;
    if (lastEmitted !== undefined && sameUser(lastEmitted, user)) return;
    lastEmitted = user;
    for (const listener of [...listeners]) {
      try {
        listener(user);
      } catch (error) {
        console.error('Sesame auth: a session listener failed', error);
      }
    }
  }

  function receive(message: AuthMessage): void {
    if (message.type === 'signed-out') {
      epoch += 1;
      setState(null, { broadcast: false });
      return;
    }
    // Keep whichever token lives longer; both belong to the cookie the tabs share.
    if (state && message.session.expiresAt <= state.expiresAt) return;
    epoch += 1;
    setState(message.session, { broadcast: false });
  }

  /**
   * Renews the access token. `rejected` is the token the caller found stale or refused (null
   * when it had none): if, by the time this tab holds the lock, another tab has shared a
   * different fresh token, that one is used and no request is made.
   */
  function refreshSession(rejected: string | null): Promise<TokenState | null> {
    refreshing ??= withRefreshLock({
      locks,
      timeoutMs: lockTimeoutMs,
      task: async () => {
        if (state && state.accessToken !== rejected && !needsRenewal(state, now())) return state;
        return callRefresh();
      },
    }).finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  async function callRefresh(): Promise<TokenState | null> {
    const startedIn = epoch;
    const response = await send(
      fetchImpl,
      joinUrl(baseUrl, '/auth/refresh'),
      jsonInit({ method: 'POST', body: {}, credentials: 'include', signal: timeoutSignal(refreshTimeoutMs) }),
    );
    // A sign-in or sign-out that happened meanwhile is newer than whatever this answer says.
    if (epoch !== startedIn) return state;
    if (response.status === 401) {
      // The cookie is missing, expired or revoked: signed out for good. Not broadcast: another
      // tab may hold a newer cookie's session, and each tab finds out on its own next refresh.
      setState(null, { broadcast: false });
      return null;
    }
    if (!response.ok) throw await errorFromResponse(response);
    const next = tokenStateFromSessionResponse(await readJson<unknown>(response), now(), response.status);
    setState(next, { broadcast: true });
    return next;
  }

  async function usableToken(): Promise<string | null> {
    const current = state;
    if (!current) {
      if (signedOut) return null;
      const restored = await refreshSession(null).catch(() => null);
      return restored?.accessToken ?? null;
    }
    if (!needsRenewal(current, now())) return current.accessToken;
    try {
      const renewed = await refreshSession(current.accessToken);
      return renewed?.accessToken ?? null;
    } catch {
      // Renewal failed on the network: the old token still serves until it actually expires.
      return isExpired(current, now()) ? null : current.accessToken;
    }
  }

  async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const target = typeof input === 'string' && input.startsWith('/') ? joinUrl(baseUrl, input) : input;
    // Kept unsent, so the body can be sent again on the retry.
    const template = new Request(target, init);
    const attempt = (token: string | null) => {
      const request = template.clone();
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      return fetchImpl(request);
    };
    const token = await usableToken();
    const first = await attempt(token);
    if (first.status !== 401 || token === null || !(await mayBeAboutTheToken(first))) return first;
    const renewed = await refreshSession(token).catch(() => null);
    if (!renewed || renewed.accessToken === token) return first;
    return attempt(renewed.accessToken);
  }

  /** A JSON call with the access token; the parsed body or an AuthError. */
  async function api<T>(method: HttpMethod, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await send(authFetch, path, jsonInit({ method, body, signal }));
    return readJson<T>(response);
  }

  /** A JSON call without the access token (sign-in steps), cookies included. */
  async function publicCall(method: HttpMethod, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    return send(fetchImpl, joinUrl(baseUrl, path), jsonInit({ method, body, signal, credentials: 'include' }));
  }

  /**
   * Proves an address. The Bearer goes along when this browser is signed in: proving the address
   * of the signed-in account re-authenticates that session (same sid) instead of starting another.
   */
  async function verifyEmail(body: unknown): Promise<SignInResult> {
    return adoptSignIn(
      await send(authFetch, '/auth/email/verify', jsonInit({ method: 'POST', body, credentials: 'include' })),
    );
  }

  async function adoptSignIn(response: Response): Promise<SignInResult> {
    const body = await readJson<{ returnTo?: unknown } | null>(response);
    const next = tokenStateFromSessionResponse(body, now(), response.status);
    epoch += 1;
    setState(next, { broadcast: true });
    const returnTo = typeof body?.returnTo === 'string' ? body.returnTo : undefined;
    return { user: next.user, created: response.status === 201, ...(returnTo ? { returnTo } : {}) };
  }

  function signOutLocally(): void {
    epoch += 1;
    setState(null, { broadcast: true });
  }

  const account = accountApi({
    api,
    publicJson: async <T>(method: HttpMethod, path: string, body?: unknown) =>
      readJson<T>(await publicCall(method, path, body)),
    getUser: () => state?.user ?? null,
    async renewSession() {
      await refreshSession(state?.accessToken ?? null);
    },
    signOutLocally,
  });

  /** A passkey assertion sent to login/verify (with `authFetch` for a re-authentication). */
  async function assert(
    path: string,
    optionsJSON: PublicKeyCredentialRequestOptionsJSON,
    conditional: boolean,
    signal: AbortSignal | undefined,
    via: typeof fetchImpl,
  ) {
    const response = await runAuthentication({ optionsJSON, conditional, signal });
    try {
      return await adoptSignIn(
        await send(via, path, jsonInit({ method: 'POST', body: { response }, credentials: 'include' })),
      );
    } catch (error) {
      // Deleted here or elsewhere: the password manager should stop offering it.
      if (error instanceof AuthError && error.code === 'UNKNOWN_CREDENTIAL' && optionsJSON.rpId)
        void signalUnknownPasskey(optionsJSON.rpId, response.id);
      throw error;
    }
  }

  return {
    async restore() {
      const restored = await refreshSession(null);
      return restored?.user ?? null;
    },

    getUser: () => state?.user ?? null,
    getAccessToken: usableToken,

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    fetch: authFetch,

    async startEmail(email, { returnTo } = {}) {
      await readJson<unknown>(
        await publicCall('POST', '/auth/email/start', returnTo === undefined ? { email } : { email, returnTo }),
      );
    },

    async emailLinkInfo(token) {
      const response = await publicCall('GET', `/auth/email/link-info?token=${encodeURIComponent(token)}`);
      // Expected absence is a value: an unknown or expired link is not an exception.
      if (response.status === 404 || response.status === 401) return null;
      const info = await readJson<Partial<EmailLinkInfo> | null>(response);
      if (typeof info?.email !== 'string') {
        throw new AuthError({ status: response.status, code: 'BAD_RESPONSE', message: 'Unexpected link information' });
      }
      return {
        email: info.email,
        expiresAt: typeof info.expiresAt === 'string' ? info.expiresAt : '',
        purpose: info.purpose === 'change' ? 'change' : 'sign_in',
      };
    },

    verifyEmailToken: (token) => verifyEmail({ token }),
    verifyEmailCode: (email, code) => verifyEmail({ email, code }),

    async passkeySignIn({ conditional = false, signal } = {}) {
      const optionsJSON = await readJson<PublicKeyCredentialRequestOptionsJSON>(
        await publicCall('POST', '/auth/passkeys/login/options', {}, signal),
      );
      const result = await assert(
        joinUrl(baseUrl, '/auth/passkeys/login/verify'),
        optionsJSON,
        conditional,
        signal,
        fetchImpl,
      );
      // The account's passkeys as they are now: a password manager may drop ones deleted elsewhere.
      void account.signalAccepted().catch(() => false);
      return result;
    },

    async reauthenticate({ signal } = {}) {
      const optionsJSON = await readJson<PublicKeyCredentialRequestOptionsJSON>(
        await publicCall('POST', '/auth/passkeys/login/options', {}, signal),
      );
      return assert('/auth/passkeys/login/verify', optionsJSON, false, signal, authFetch);
    },

    capabilities: clientCapabilities,

    async addPasskey(name, { signal, conditional = false } = {}) {
      const optionsJSON = await api<PublicKeyCredentialCreationOptionsJSON>(
        'POST',
        '/auth/passkeys/register/options',
        {},
        signal,
      );
      const response = await runRegistration({ optionsJSON, signal, conditional });
      const result = await api<{ passkey: Passkey }>('POST', '/auth/passkeys/register/verify', {
        response,
        ...(name ? { name } : {}),
      });
      return result.passkey;
    },

    async logout() {
      // Let a rotation in flight land first, so the cookie the server clears is the newest one.
      await refreshing?.catch(() => undefined);
      const response = await publicCall('POST', '/auth/logout', {});
      // 401: the cookie was already dead, which is the state asked for.
      if (!response.ok && response.status !== 401) throw await errorFromResponse(response);
      signOutLocally();
    },

    async logoutAll() {
      await api<void>('POST', '/auth/logout-all', {});
      signOutLocally();
    },

    me: () => api<Me>('GET', '/api/me'),
    listPasskeys: async () => (await api<{ passkeys: Passkey[] }>('GET', '/auth/passkeys')).passkeys,
    renamePasskey: async (id, name) =>
      (await api<{ passkey: Passkey }>('PATCH', `/auth/passkeys/${encodeURIComponent(id)}`, { name })).passkey,
    passkeyList: account.passkeyList,
    signalAcceptedPasskeys: account.signalAccepted,
    async deletePasskey(id) {
      await api<void>('DELETE', `/auth/passkeys/${encodeURIComponent(id)}`);
      // The deleted passkey then disappears from the password manager (where the browser listens).
      void account.signalAccepted().catch(() => false);
    },
    changeEmail: account.changeEmail,
    verifyEmailChange: account.verifyEmailChange,
    deleteAccount: account.deleteAccount,
    activity: account.activity,
    listSessions: async () => (await api<{ sessions: SessionInfo[] }>('GET', '/auth/sessions')).sessions,
    revokeSession: (id) => api<void>('DELETE', `/auth/sessions/${encodeURIComponent(id)}`),

    close: () => channel.close(),
  };
}

/**
 * 401 codes that are not about the access token: a new token would not change the answer, and
 * sending the request again could cost something (a wrong code counts against its 5 tries).
 */
const NOT_ABOUT_THE_TOKEN: ReadonlySet<string> = new Set<ApiErrorCode>([
  'REAUTH_REQUIRED', // the sign-in is too old for this change: sign in again
  'INVALID_LINK',
  'INVALID_CODE',
  'INVALID_CREDENTIAL',
  'UNKNOWN_CREDENTIAL',
  'CHALLENGE_EXPIRED',
  'COUNTER_REPLAY',
]);

/** Whether a 401 may be cured by a new access token (any 401 whose code does not say otherwise). */
async function mayBeAboutTheToken(response: Response): Promise<boolean> {
  try {
    const body = (await response.clone().json()) as { error?: { code?: unknown } } | null;
    const code = body?.error?.code;
    return !(typeof code === 'string' && NOT_ABOUT_THE_TOKEN.has(code));
  } catch {
    return true;
  }
}
