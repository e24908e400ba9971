/**
 * End to end: every page, reached the way a person reaches it, is checked with axe-core (no
 * serious or critical violation) and photographed at desktop (1280×800) and phone (390×844)
 * widths into test-artifacts/screenshots/ (git-ignored; look at them after a change of the UI).
 *
 * axe is injected with page.evaluate, which the server's CSP (script-src 'self') does not govern.
 */
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { addVirtualAuthenticator, type BrowserContext, type Page } from './browser.js';
import {
  expectAccountPage,
  expectSignInPage,
  heading,
  newEmail,
  requestEmail,
  screenshots,
  seriousAxeViolations,
  signInWithCode,
  type AxeViolation,
  newTestContext,
  TEST_TIMEOUT_MS,
} from './server.js';
import { useE2E } from './suite.js';
import type { CapturedMail } from '../helpers/smtp-capture.js';

let context: BrowserContext;
let page: Page;
const email = newEmail('pages');
let mail: CapturedMail;
const cspViolations: string[] = [];
let authenticator: Awaited<ReturnType<typeof addVirtualAuthenticator>> | null = null;

const e2e = useE2E();

beforeAll(async () => {
  context = await e2e.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
});

const describe_ = (violations: AxeViolation[]) =>
  violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.join(' ')}`).join('; ');

/** axe on the page as it is now, at desktop and phone widths, then both screenshots. */
async function checkPage(name: string) {
  const desktop = await seriousAxeViolations(page);
  expect(desktop, `${name} (desktop): ${describe_(desktop)}`).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
  const phone = await seriousAxeViolations(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  expect(phone, `${name} (phone): ${describe_(phone)}`).toEqual([]);
  const files = await screenshots(page, name);
  for (const file of files) expect(fs.statSync(file).size).toBeGreaterThan(5_000);
  // The page itself still renders what it should after the resizes.
  expect(await page.locator('h1').count()).toBe(1);
  expect(await page.getByRole('main').count()).toBe(1);
}

describe('every page: accessibility and screenshots', () => {
  it(
    'sign-in page',
    async () => {
      await page.goto(e2e.s.origin);
      await expectSignInPage(page);
      await checkPage('01-sign-in');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'create-an-account step',
    async () => {
      await page.getByRole('button', { name: 'Create an account' }).click();
      await heading(page, 'Create your account').waitFor();
      await checkPage('01b-create-account');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expectSignInPage(page);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'check-your-email (code) screen',
    async () => {
      mail = await requestEmail(page, e2e.s, email);
      // Focus moved to what changed: the new step's heading.
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Check your email');
      await checkPage('02-check-email');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'check-your-email screen with a wrong code (error announced)',
    async () => {
      const wrong = mail.code === '000000' ? '111111' : '000000';
      await page.getByLabel('Six-digit code').fill(wrong);
      await page.getByRole('button', { name: 'Verify code' }).click();
      await page.getByText('That code didn’t work', { exact: false }).waitFor();
      expect(await page.getByLabel('Six-digit code').getAttribute('aria-invalid')).toBe('true');
      // The error is in a live region, and focus is back in the field for another try.
      expect(
        await page
          .getByText('That code didn’t work', { exact: false })
          .evaluate((el) => el.closest('[aria-live], [role="alert"], [role="status"]') !== null),
      ).toBe(true);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('code');
      await checkPage('03-check-email-error');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'link landing page',
    async () => {
      await page.goto(mail.link);
      await heading(page, 'Finish signing in').waitFor();
      await page.locator('.lead').getByText(email).waitFor();
      await checkPage('04-link-landing');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'add-passkey offer after an email sign-in',
    async () => {
      await page.getByRole('button', { name: 'Confirm sign-in' }).click();
      await heading(page, 'Sign in faster next time').waitFor();
      await page.getByRole('button', { name: 'Not now' }).waitFor();
      await checkPage('05-add-passkey');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'account page (with a passkey and two sessions)',
    async () => {
      authenticator = await addVirtualAuthenticator(page);
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await expectAccountPage(page, email);
      await page.getByText(/^Passkey “.+” added\./).waitFor();
      // A second session, so the list shows a "Revoke" button too.
      const other = await newTestContext(e2e.browser);
      try {
        await signInWithCode(other, e2e.s, email);
      } finally {
        await other.close();
      }
      await page.reload();
      await expectAccountPage(page, email);
      await page.getByRole('button', { name: 'Revoke' }).waitFor();
      await page.getByRole('button', { name: 'Rename' }).waitFor();
      await page.locator('.activity-list').waitFor();
      await checkPage('06-account');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'account page: a new address waiting for its proof, its link page, and the delete confirmation',
    async () => {
      const next = newEmail('pages-new');
      await page.getByRole('button', { name: 'Change address' }).click();
      await page.getByLabel('New email address').fill(next);
      const before = e2e.s.smtp.received.length;
      await page.getByRole('button', { name: 'Send a link' }).click();
      await page.getByLabel('Six-digit code').waitFor();
      await checkPage('06b-account-new-address');
      const proof = await e2e.s.mailTo(next, before);
      await page.goto(proof.link);
      await heading(page, 'Confirm your new address').waitFor();
      await checkPage('06c-link-new-address');
      await page.goto(`${e2e.s.origin}/account`);
      await expectAccountPage(page, email);
      await page.getByRole('button', { name: 'Delete account…' }).click();
      await page.getByRole('button', { name: `Delete ${email}` }).waitFor();
      await checkPage('06d-account-delete');
      await page.getByRole('button', { name: 'Keep my account' }).click();
      await page.getByRole('button', { name: 'Sign out everywhere…' }).click();
      await page.getByRole('button', { name: 'Sign out everywhere', exact: true }).waitFor();
      await checkPage('06e-account-sign-out-everywhere');
      await page.getByRole('button', { name: 'Cancel' }).click();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'used link page',
    async () => {
      await page.goto(mail.link);
      await page.getByRole('button', { name: 'Confirm sign-in' }).click();
      await heading(page, 'This link has expired or was already used').waitFor();
      await checkPage('07-link-used');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'page not found',
    async () => {
      await page.goto(`${e2e.s.origin}/no-such-page`);
      await heading(page, 'Page not found').waitFor();
      await checkPage('08-not-found');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'sign-in page for a returning person (address and method remembered)',
    async () => {
      await page.goto(`${e2e.s.origin}/account`);
      await expectAccountPage(page, email);
      // With presence off, the sign-in page's passkey autofill waits instead of signing in at once.
      await authenticator!.cdp.send('WebAuthn.setAutomaticPresenceSimulation', {
        authenticatorId: authenticator!.authenticatorId,
        enabled: false,
      });
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await expectSignInPage(page);
      expect(await page.getByLabel('Email address').inputValue()).toBe(email);
      await page.getByText('Welcome back.', { exact: false }).waitFor();
      await checkPage('09-sign-in-remembered');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'no page broke the Content Security Policy',
    () => {
      expect(cspViolations).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
