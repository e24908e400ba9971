/**
 * End to end: sign-in by email. The link, read from the real SMTP server, opened and confirmed
 * in the browser; the code of a newer message typed in a second, fresh browser context. Both end
 * signed in to the same account.
 */
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from './browser.js';
import {
  captureAccessTokens,
  expectAccountPage,
  expectSignInPage,
  heading,
  newEmail,
  recordApiCalls,
  refreshCookie,
  requestEmail,
  webStorage,
  TEST_TIMEOUT_MS,
} from './server.js';
import { useE2E } from './suite.js';

const email = newEmail('mail');

const e2e = useE2E();

async function freshPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await e2e.newContext();
  return { context, page: await context.newPage() };
}

async function expectSignedInState(context: BrowserContext, page: Page, tokens: string[]) {
  const cookie = await refreshCookie(context, e2e.s.origin);
  expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' });
  expect(tokens.length).toBeGreaterThan(0);
  const stored = Object.entries(await webStorage(page)).join('\n');
  for (const token of tokens) expect(stored).not.toContain(token);
}

describe('email sign-in in the browser', () => {
  it(
    'emails a link; opening it asks to confirm; confirming signs in and offers a passkey',
    async () => {
      const { context, page } = await freshPage();
      const calls = recordApiCalls(page);
      const tokens = captureAccessTokens(page);
      await page.goto(e2e.s.origin);
      await expectSignInPage(page);
      const mail = await requestEmail(page, e2e.s, email);

      expect(mail.rcptTo).toEqual([email]);
      expect(mail.mail.subject).toMatch(/Sign in/);
      const link = new URL(mail.link);
      expect(link.origin).toBe(e2e.s.origin);
      expect(link.pathname).toBe('/auth/email/verify');

      await page.goto(mail.link);
      await heading(page, 'Finish signing in').waitFor();
      await page.locator('.lead').getByText(email, { exact: true }).waitFor();
      // Opening the link used nothing up and signed nobody in.
      expect(calls.filter((c) => c.path === '/auth/email/verify')).toEqual([]);
      expect(await refreshCookie(context, e2e.s.origin)).toBeUndefined();

      await page.getByRole('button', { name: 'Confirm sign-in' }).click();
      await heading(page, 'Sign in faster next time').waitFor();
      expect(calls.filter((c) => c.path === '/auth/email/verify').map((c) => `${c.method} ${c.status}`)).toEqual([
        'POST 201',
      ]);
      await page.getByRole('button', { name: 'Add a passkey' }).waitFor();
      await expectSignedInState(context, page, tokens);

      await page.getByRole('button', { name: 'Not now' }).click();
      await expectAccountPage(page, email);
      expect(await page.locator('.account-email .badge').textContent()).toBe('Verified');

      // The link is single use: opening it again and confirming says so.
      await page.goto(mail.link);
      await page.getByRole('button', { name: 'Confirm sign-in' }).click();
      await heading(page, 'This link has expired or was already used').waitFor();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'finishes on another device with the six-digit code of the newest email',
    async () => {
      const { context, page } = await freshPage();
      const calls = recordApiCalls(page);
      const tokens = captureAccessTokens(page);
      await page.goto(e2e.s.origin);
      await expectSignInPage(page);
      const mail = await requestEmail(page, e2e.s, email);
      // The newest message for the address, not the one the first test used.
      expect(mail).toBe(e2e.s.smtp.received.filter((m) => m.rcptTo.includes(email)).at(-1));
      expect(e2e.s.smtp.received.filter((m) => m.rcptTo.includes(email)).length).toBeGreaterThanOrEqual(2);

      await page.getByLabel('Six-digit code').fill(mail.code);
      await page.getByRole('button', { name: 'Verify code' }).click();
      await heading(page, 'Sign in faster next time').waitFor();
      // An existing account: signed in, not created.
      expect(calls.filter((c) => c.path === '/auth/email/verify').map((c) => `${c.method} ${c.status}`)).toEqual([
        'POST 200',
      ]);
      await expectSignedInState(context, page, tokens);

      await page.getByRole('button', { name: 'Not now' }).click();
      await expectAccountPage(page, email);
      // The same account as the first context: two sessions, this one marked.
      await page.getByRole('heading', { name: 'Where you’re signed in' }).waitFor();
      const sessions = page.locator('section[aria-labelledby="sessions-heading"] .item');
      await expect.poll(() => sessions.count()).toBe(2);
      expect(await sessions.first().getByText('This device').count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Revoke' }).count()).toBe(1);
    },
    TEST_TIMEOUT_MS,
  );
});
