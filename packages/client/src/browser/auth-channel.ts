/**
 * The BroadcastChannel `sesame-auth` that keeps the tabs of one origin in step: a tab that
 * refreshes or signs in shares its new access token (the others then skip their own refresh),
 * and a sign-out reaches every tab. Same-origin only, by the platform's rules.
 */
import { isTokenState, type TokenState } from './token-state.js';

export const AUTH_CHANNEL_NAME = 'sesame-auth';

export type AuthMessage = { type: 'session'; session: TokenState } | { type: 'signed-out' };

export interface AuthChannel {
  post(message: AuthMessage): void;
  close(): void;
}

/** Opens the channel, or returns a silent stand-in where BroadcastChannel does not exist. */
export function openAuthChannel(name: string, onMessage: (message: AuthMessage) => void): AuthChannel {
  if (typeof BroadcastChannel === 'undefined') return { post() {}, close() {} };
  const channel = new BroadcastChannel(name);
  channel.onmessage = (event: MessageEvent) => {
    const message = parseAuthMessage(event.data);
    if (message) onMessage(message);
  };
  return {
    post(message) {
      try {
        channel.postMessage(message);
      } catch {
        // A closed channel (page unloading) has nobody left to tell.
      }
    },
    close() {
      channel.onmessage = null;
      channel.close();
    },
  };
}

function parseAuthMessage(data: unknown): AuthMessage | null {
  const message = data as { type?: unknown; session?: unknown } | null;
  if (message?.type === 'signed-out') return { type: 'signed-out' };
  if (message?.type === 'session' && isTokenState(message.session))
    return { type: 'session', session: message.session };
  return null;
}
