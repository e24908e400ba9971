/**
 * What every page reads about the session: the auth client, the signed-in user, and whether
 * the session could be checked at all (a network failure is not "signed out").
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { AuthClient, AuthError, User } from '@sesame/client';

export interface SessionContextValue {
  auth: AuthClient;
  /** undefined while the session is being restored on page load. */
  user: User | null | undefined;
  /** Set when restoring failed for another reason than "signed out" (offline, server down). */
  restoreError: AuthError | null;
  retryRestore(): void;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession() outside <SessionContext.Provider>');
  return value;
}
