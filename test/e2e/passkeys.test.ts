/**
 * End to end, in Chromium with the CDP virtual authenticator: verify-first sign-up (address, code,
 * then the passkey offer) lands on the account page; sign-out; sign-in with the "Sign in with a passkey" button; sign-in through autofill
 * (conditional UI). Along the way: the access token never reaches web storage, and the refresh
 * cookie is HttpOnly.
 *
 * How autofill is driven: the virtual authenticator, with automaticPresenceSimulation on,
 * answers a conditional (mediation: 'conditional') request at once, as if the person had picked
 * the passkey from the field's suggestions; with it off, the request stays pending (turning it on
 * later, or focusing the field, does not complete that request). So the button test turns
 * presence off while the sign-in page starts its autofill request, then on before the click; the
 * autofill test loads the sign-in page with presence on and touches nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { addVirtualAuthenticator, BrowserContext, Page } from './browser.js';
import {
  captureAccessTokens,
  expectAccountPage,
  expectSignInPage,
  heading,
  newEmail,
  refreshCookie,
  webauthnCalls,
  webStorage,
  signUpWithPasskey,
  type ApiCall,
  TEST_TIMEOUT_MS,
} from './server.js';
import { useE2E } from './suite.js';

let context: BrowserContext;
let page: Page;
let authenticator: Awaited<ReturnType<typeof addVirtualAuthenticator>>;
let calls: ApiCall[];
let tokens: string[];
const email = newEmail('passkey');

const presence = (enabled: boolean) =>
  authenticator.cdp.send('WebAuthn.setAutomaticPresenceSimulation', {
    authenticatorId: authenticator.authenticatorId,
    enabled,
  });

async function expectTokensNotStored() {
  const stored = await webStorage(page);
  const everything = Object.entries(stored).join('\n');
  expect(tokens.length).toBeGreaterThan(0);
  for (const token of tokens) expect(everything).not.toContain(token);
  // No JWT of any kind (header {"alg":... base64url-encodes to eyJ).
  expect(everything).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\./);
}

async function expectHttpOnlyRefreshCookie() {
  const cookie = await refreshCookie(context, e2e.s.origin);
  expect(cookie, 'refresh cookie after sign-in').toBeDefined();
  expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/', domain: 'localhost' });
  // And no script can read it.
  expect(await page.evaluate(() => document.cookie)).not.toContain('sesame_refresh');
}

const e2e = useE2E();

beforeAll(async () => {
  ({ context, page, authenticator, calls } = await e2e.passkeyPage());
  tokens = captureAccessTokens(page);
});

describe('passkeys in the browser', () => {
  it(
    'creates an account (address proved by code), adds a passkey at once, and lands on the account page',
    async () => {
      await page.goto(e2e.s.origin);
      await expectSignInPage(page);
      await signUpWithPasskey(page, e2e.s, email);

      expect(
        calls.some((c) => c.method === 'POST' && c.path === '/auth/passkeys/register/verify' && c.status === 201),
      ).toBe(true);
      // The authenticator holds exactly one resident credential, for localhost.
      const { credentials } = await authenticator.cdp.send('WebAuthn.getCredentials', {
        authenticatorId: authenticator.authenticatorId,
      });
      expect(credentials).toHaveLength(1);
      expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
      // The account lists that passkey, and its address is proved.
      await page.getByRole('heading', { name: 'Passkeys' }).waitFor();
      await expect.poll(() => page.locator('.item-list').first().locator('.item').count()).toBe(1);
      expect(await page.locator('.account-email .badge').textContent()).toBe('Verified');

      await expectTokensNotStored();
      await expectHttpOnlyRefreshCookie();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'signs out, then signs in again with the "Sign in with a passkey" button',
    async () => {
      // With presence off, the autofill request the sign-in page starts stays pending.
      await presence(false);
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await expectSignInPage(page);
      await page.getByText('You’re signed out.').waitFor();
      expect(await refreshCookie(context, e2e.s.origin), 'cookie cleared by sign-out').toBeUndefined();
      // Still on the sign-in page a moment later: nothing signed in by itself.
      await page.waitForTimeout(500);
      expect(await heading(page, 'Sign in to Sesame').isVisible()).toBe(true);
      const before = await webauthnCalls(page);
      expect(before.at(-1)).toEqual({ mediation: 'conditional', state: 'pending' });

      await presence(true);
      const verifiesBefore = calls.filter((c) => c.path === '/auth/passkeys/login/verify').length;
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await expectAccountPage(page, email);

      const after = await webauthnCalls(page);
      const fromClick = after.slice(before.length);
      // The click aborted the autofill request and made one modal request, which signed in.
      expect(after[before.length - 1]!.state).toMatch(/^rejected:/);
      expect(fromClick).toEqual([{ mediation: 'optional', state: 'resolved' }]);
      const verifies = calls.filter((c) => c.path === '/auth/passkeys/login/verify');
      expect(verifies.slice(verifiesBefore).map((c) => c.status)).toEqual([200]);

      await expectTokensNotStored();
      await expectHttpOnlyRefreshCookie();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'signs in through passkey autofill (conditional UI) without pressing anything',
    async () => {
      await presence(false);
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await expectSignInPage(page);
      expect(await refreshCookie(context, e2e.s.origin)).toBeUndefined();

      // A fresh load of the sign-in page: its autofill request meets a "present" user at once.
      await presence(true);
      const callsBefore = calls.length;
      await page.goto(e2e.s.origin);
      await expectAccountPage(page, email);

      const made = await webauthnCalls(page); // this page load's calls only
      expect(made).toEqual([{ mediation: 'conditional', state: 'resolved' }]);
      const loadCalls = calls.slice(callsBefore).map((c) => `${c.method} ${c.path} ${c.status}`);
      // Restore found no session, then the autofill ceremony signed in.
      expect(loadCalls).toEqual(
        expect.arrayContaining([
          'POST /auth/refresh 401',
          'POST /auth/passkeys/login/options 200',
          'POST /auth/passkeys/login/verify 200',
        ]),
      );
      expect(loadCalls.indexOf('POST /auth/refresh 401')).toBeLessThan(
        loadCalls.indexOf('POST /auth/passkeys/login/verify 200'),
      );

      await expectTokensNotStored();
      await expectHttpOnlyRefreshCookie();
      // The passkey shows it was used.
      await page
        .locator('.item-list')
        .first()
        .getByText(/^Last used/)
        .waitFor();
    },
    TEST_TIMEOUT_MS,
  );
});
