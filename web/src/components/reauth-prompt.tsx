/**
 * Shown when the API answers 401 REAUTH_REQUIRED (a sensitive change needs a recent sign-in):
 * signs out here and goes back to sign-in with the address filled in.
 */
import { useState } from 'preact/hooks';
import { useSession } from '../auth-context.js';
import { navigate } from '../router.js';

export function ReauthPrompt({ email }: { email: string }) {
  const { auth } = useSession();
  const [busy, setBusy] = useState(false);

  async function signInAgain() {
    if (busy) return;
    setBusy(true);
    try {
      await auth.logout();
    } catch {
      // Even if the server is unreachable, the sign-in page is where this person needs to go.
    }
    navigate('/', { state: { email, notice: 'Sign in again to finish changing your passkeys.' } });
  }

  return (
    <div class="callout">
      <p>Sign in again, then come back here to finish.</p>
      <button type="button" class="button button-secondary" aria-disabled={busy ? 'true' : undefined} onClick={signInAgain}>
        Sign in again
      </button>
    </div>
  );
}
