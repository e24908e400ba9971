/**
 * The app shell: restores the session once on load, follows it as it changes (here or in other
 * tabs), and renders the page for the current path inside the one <main> landmark.
 */
import type { FunctionComponent } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { isAuthError, type AuthClient, type AuthError, type User } from '@sesame/client';
import { SessionContext } from './auth-context.js';
import { LogoMark } from './components/icons.js';
import { LanguagePicker } from './components/language-picker.js';
import { logoUrl, productName, t, useLocale } from './i18n/i18n.js';
import { AccountPage } from './pages/account-page.js';
import { AddPasskeyPage } from './pages/add-passkey-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { SignInPage } from './pages/sign-in-page.js';
import { VerifyLinkPage } from './pages/verify-link-page.js';
import { Link, useLocation } from './router.js';

/** Pages that are only shown once the session is known. The link page needs no session. */
const PAGES: Record<string, { component: FunctionComponent; needsSession: boolean }> = {
  '/': { component: SignInPage, needsSession: true },
  '/account': { component: AccountPage, needsSession: true },
  '/add-passkey': { component: AddPasskeyPage, needsSession: true },
  '/auth/email/verify': { component: VerifyLinkPage, needsSession: false },
};

/** LOGO_URL, when the operator set one: shown instead of the built-in mark. */
const logo = logoUrl();

export function App({ auth }: { auth: AuthClient }) {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [restoreError, setRestoreError] = useState<AuthError | null>(null);
  const { path } = useLocation();
  // Every page re-renders in the new language when the picker changes it.
  useLocale();

  const restore = useCallback(() => {
    setRestoreError(null);
    // Back to "not known yet" (a retry after a failure), unless someone is already signed in.
    setUser((current) => current ?? undefined);
    auth.restore().then(
      (restored) => setUser(restored),
      (error: unknown) => {
        // Offline or server trouble: not "signed out", but nothing to show as signed in either.
        setRestoreError(isAuthError(error) ? error : null);
        setUser(auth.getUser());
      },
    );
  }, [auth]);

  useEffect(() => {
    const unsubscribe = auth.subscribe((next) => {
      setUser(next);
      if (next) setRestoreError(null);
    });
    restore();
    return unsubscribe;
  }, [auth]);

  const page = PAGES[path.replace(/\/+$/, '') || '/'];
  const Page = page?.component ?? NotFoundPage;
  const waiting = user === undefined && (page?.needsSession ?? false);

  return (
    <SessionContext.Provider value={{ auth, user, restoreError, retryRestore: restore }}>
      <div class="shell">
        <header class="masthead">
          <Link class="brand" href="/">
            {logo ? <img class="logo-image" src={logo} alt="" /> : <LogoMark />}
            <span>{productName()}</span>
          </Link>
        </header>
        <main class="main" id="main">
          {waiting ? (
            <div class="card card-loading" aria-busy="true">
              <p class="muted">{t('common.loading')}</p>
            </div>
          ) : (
            <Page />
          )}
        </main>
        <footer class="footer">
          <p>{t('common.footer')}</p>
          <LanguagePicker />
        </footer>
      </div>
    </SessionContext.Provider>
  );
}
