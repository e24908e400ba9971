/**
 * End to end, in Chromium with the CDP virtual authenticator (issue 11, item 2): a sensitive
 * action whose sign-in is too old (REAUTH_WINDOW=10, the least allowed) is not a sign-out. The page asks for the
 * passkey in place, the session's proof-of-presence time moves (same session), and the action the
 * person asked for (deleting a passkey) is retried and done.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addVirtualAuthenticator, launchBrowser, type Browser, type BrowserContext, type Page } from './browser.js';
import {
  expectAccountPage,
  expectSignInPage,
  instrument,
  newEmail,
  newTestContext,
  recordApiCalls,
  refreshCookie,
  screenshots,
  signUpWithPasskey,
  startE2EServer,
  TEST_TIMEOUT_MS,
  type ApiCall,
  type E2EServer,
} from './server.js';

let s: E2EServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let calls: ApiCall[];
const email = newEmail('reauth');

beforeAll(async () => {
  s = await startE2EServer({ REAUTH_WINDOW: '10' });
  browser = await launchBrowser();
  context = await newTestContext(browser);
  await instrument(context);
  page = await context.newPage();
  await addVirtualAuthenticator(page);
  calls = recordApiCalls(page);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await s?.close();
});

describe('re-authentication in place', () => {
  it('asks for the passkey in place when the sign-in is too old, then retries the delete; nobody is signed out', async () => {
    await page.goto(s.origin);
    await expectSignInPage(page);
    await signUpWithPasskey(page, s, email);
    const cookieBefore = await refreshCookie(context, s.origin);
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

    const wire = calls.slice(mark).map((c) => `${c.method} ${c.path.replace(/\/auth\/passkeys\/[^/]+$/, '/auth/passkeys/:id')} ${c.status}`);
    expect(wire).toEqual(
      expect.arrayContaining(['DELETE /auth/passkeys/:id 401', 'POST /auth/passkeys/login/verify 200', 'DELETE /auth/passkeys/:id 204']),
    );
    expect(wire.indexOf('DELETE /auth/passkeys/:id 401')).toBeLessThan(wire.indexOf('POST /auth/passkeys/login/verify 200'));
    expect(wire.indexOf('POST /auth/passkeys/login/verify 200')).toBeLessThan(wire.indexOf('DELETE /auth/passkeys/:id 204'));
    // Still signed in, on the account page, with no logout on the wire.
    expect(wire.some((c) => c.startsWith('POST /auth/logout'))).toBe(false);
    await expectAccountPage(page, email);
    expect(await refreshCookie(context, s.origin)).toBeDefined();
    // The passkey is gone from the list.
    await page.getByText(/^No passkeys yet/).waitFor();
  }, TEST_TIMEOUT_MS);
});
