/**
 * End to end, in Chromium with the CDP virtual authenticator (issue 11, item 2): a sensitive
 * action whose sign-in is too old (REAUTH_WINDOW=10, the least allowed) is not a sign-out. The page asks for the
 * passkey in place, the session's proof-of-presence time moves (same session), and the action the
 * person asked for (deleting a passkey) is retried and done.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from './browser.js';
import {
  expectAccountPage,
  expectSignInPage,
  newEmail,
  refreshCookie,
  screenshots,
  signUpWithPasskey,
  TEST_TIMEOUT_MS,
  type ApiCall,
} from './server.js';
import { useE2E } from './suite.js';

let context: BrowserContext;
let page: Page;
let calls: ApiCall[];
const email = newEmail('reauth');

const e2e = useE2E({ REAUTH_WINDOW: '10' });

beforeAll(async () => {
  ({ context, page, calls } = await e2e.passkeyPage());
});

describe('re-authentication in place', () => {
  it(
    'asks for the passkey in place when the sign-in is too old, then retries the delete; nobody is signed out',
    async () => {
      await page.goto(e2e.s.origin);
      await expectSignInPage(page);
      await signUpWithPasskey(page, e2e.s, email);
      const cookieBefore = await refreshCookie(context, e2e.s.origin);
      expect(cookieBefore).toBeDefined();
      await page.waitForTimeout(10_500);

      const mark = calls.length;
      await page.locator('.item-list').first().getByRole('button', { name: 'Delete' }).click();
      await page.locator('.item-list').first().getByRole('button', { name: 'Delete' }).click();
      const prompt = page.getByRole('group', { name: 'Confirm it’s you' });
      await prompt.getByText('For your safety, confirm it’s you to continue.').waitFor();
      await screenshots(page, 'reauth-prompt');
      await prompt.getByRole('button', { name: 'Use your passkey' }).click();
      await page.getByText(/Passkey “.*” deleted\./).waitFor();

      const wire = calls
        .slice(mark)
        .map((c) => `${c.method} ${c.path.replace(/\/auth\/passkeys\/[^/]+$/, '/auth/passkeys/:id')} ${c.status}`);
      expect(wire).toEqual(
        expect.arrayContaining([
          'DELETE /auth/passkeys/:id 401',
          'POST /auth/passkeys/login/verify 200',
          'DELETE /auth/passkeys/:id 204',
        ]),
      );
      expect(wire.indexOf('DELETE /auth/passkeys/:id 401')).toBeLessThan(
        wire.indexOf('POST /auth/passkeys/login/verify 200'),
      );
      expect(wire.indexOf('POST /auth/passkeys/login/verify 200')).toBeLessThan(
        wire.indexOf('DELETE /auth/passkeys/:id 204'),
      );
      // Still signed in, on the account page, with no logout on the wire.
      expect(wire.some((c) => c.startsWith('POST /auth/logout'))).toBe(false);
      await expectAccountPage(page, email);
      expect(await refreshCookie(context, e2e.s.origin)).toBeDefined();
      // The passkey is gone from the list.
      await page.getByText(/^No passkeys yet/).waitFor();
    },
    TEST_TIMEOUT_MS,
  );
});
