/**
 * End to end: while a person waits for the mail. "Check your email" names the address, survives a
 * reload, counts down to "Send again", and tells the truth when the server's limit refuses another
 * message (the latest code still works). The link confirmed in a second tab of the same browser
 * makes the waiting tab continue signed in by itself, to where the person was going (returnTo).
 * Mail is read from the real SMTP sink; the page clock is Playwright's, so no test sleeps 30 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Browser, type BrowserContext } from './browser.js';
import {
  expectAccountPage,
  expectSignInPage,
  heading,
  newEmail,
  newTestContext,
  requestEmail,
  screenshots,
  startE2EServer,
  TEST_TIMEOUT_MS,
  type E2EServer,
} from './server.js';

let s: E2EServer;
let limited: E2EServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  // The second server allows two mails an hour to a mailbox: the third "Send again" meets the limit.
  [s, limited] = await Promise.all([startE2EServer(), startE2EServer({ RATE_LIMIT_EMAILS_PER_HOUR: '2' })]);
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await s?.close();
  await limited?.close();
});

async function freshContext(): Promise<BrowserContext> {
  const context = await newTestContext(browser);
  contexts.push(context);
  return context;
}

const sendAgain = (page: import('playwright-core').Page) => page.getByRole('button', { name: /^Send again/ });

describe('"Check your email"', () => {
  it(
    'survives a reload with its address and countdown; the link confirmed in another tab signs the waiting tab in, to where it was going',
    async () => {
      const context = await freshContext();
      const waiting = await context.newPage();
      const email = newEmail('tabs');
      // The person was going to an app page (returnTo on this origin).
      const returnTo = `${s.origin}/account?from=app`;
      await waiting.goto(`${s.origin}/?returnTo=${encodeURIComponent(returnTo)}`);
      await expectSignInPage(waiting);
      const mail = await requestEmail(waiting, s, email);
      await expect.poll(() => sendAgain(waiting).textContent()).toMatch(/^Send again in 0:[0-3]\d$/);

      await waiting.reload();
      await heading(waiting, 'Check your email').waitFor();
      await waiting.getByText(email, { exact: true }).waitFor();
      // The countdown carried on from where it was, rather than starting over or vanishing.
      const left = Number(/0:(\d\d)$/.exec((await sendAgain(waiting).textContent()) ?? '')?.[1]);
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(30);
      expect(await sendAgain(waiting).getAttribute('aria-disabled')).toBe('true');

      // The link, opened in a second tab of the same browser and confirmed there.
      const linkTab = await context.newPage();
      await linkTab.goto(mail.link);
      await linkTab.getByRole('button', { name: 'Confirm sign-in' }).click();
      await heading(linkTab, 'Sign in faster next time').waitFor();

      // The waiting tab continues by itself, signed in, to returnTo.
      await waiting.waitForURL(returnTo);
      await expectAccountPage(waiting, email);
      // Nothing is left waiting: a reload shows the account, not "Check your email".
      await waiting.reload();
      await expectAccountPage(waiting, email);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'sends again when the countdown ends, and at the limit says so while the latest code still works',
    async () => {
      const context = await freshContext();
      const page = await context.newPage();
      await page.clock.install();
      const email = newEmail('limit');
      await page.goto(limited.origin);
      await expectSignInPage(page);
      await requestEmail(page, limited, email);

      // Not before the countdown ends.
      expect(await sendAgain(page).textContent()).toMatch(/^Send again in 0:/);
      await page.clock.fastForward(31_000);
      await expect.poll(() => sendAgain(page).textContent()).toBe('Send again');
      const before = limited.smtp.received.length;
      await sendAgain(page).click();
      await page.getByText(/We sent a new email to .*earlier links and codes no longer work/).waitFor();
      const latest = await limited.mailTo(email, before);
      // The next wait is longer (60 s).
      await expect.poll(() => sendAgain(page).textContent()).toMatch(/^Send again in (1:00|0:5\d)$/);

      await page.clock.fastForward(61_000);
      await expect.poll(() => sendAgain(page).textContent()).toBe('Send again');
      await sendAgain(page).click();
      // Two mails an hour: the third is refused, and the page says what that means.
      await page.getByText(/asked for several emails in a short time, so we didn’t send another one yet/).waitFor();
      await page.getByText(/The code in the email sent at .* still works/).waitFor();
      await expect.poll(() => sendAgain(page).textContent()).toMatch(/^Send again in \d+:\d\d$/);
      await screenshots(page, '02b-check-email-limit');
      expect(limited.smtp.received.filter((m) => m.rcptTo.includes(email))).toHaveLength(2);

      // The latest code does work.
      await page.getByLabel('Six-digit code').fill(latest.code);
      await page.getByRole('button', { name: 'Verify code' }).click();
      await heading(page, 'Sign in faster next time').waitFor();
    },
    TEST_TIMEOUT_MS,
  );
});
