/**
 * End to end: the passkey offer after an email sign-in. Where the browser reports
 * `conditionalCreate` (getClientCapabilities), the automatic upgrade is asked for at once
 * (`mediation: "conditional"`). Chromium leaves that request pending unless a password manager
 * takes it up (it does with the CDP virtual authenticator: the explicit offer stays, and its click
 * replaces the pending request, as every other e2e file shows); here a stand-in password manager that
 * agrees turns the conditional request into a created passkey. "Not now" is remembered on this
 * device: the next email sign-in of that account goes straight on.
 */
import { describe, expect, it } from 'vitest';
import { addVirtualAuthenticator, type Page } from './browser.js';
import {
  expectAccountPage,
  expectSignInPage,
  heading,
  instrument,
  newEmail,
  requestEmail,
  TEST_TIMEOUT_MS,
  viewsSeen,
} from './server.js';
import { useE2E } from './suite.js';

const e2e = useE2E();

async function codeSignIn(page: Page, email: string): Promise<void> {
  await page.goto(e2e.s.origin);
  await expectSignInPage(page);
  const mail = await requestEmail(page, e2e.s, email);
  await page.getByLabel('Six-digit code').fill(mail.code);
  await page.getByRole('button', { name: 'Verify code' }).click();
}

describe('the passkey offer after an email sign-in', () => {
  it(
    'upgrades automatically where the browser offers conditionalCreate',
    async () => {
      const context = await e2e.newContext();
      // A password manager that agrees to the upgrade: the conditional create, recorded, is made as a plain one.
      await context.addInitScript(() => {
        const w = window as unknown as { __creates: string[] };
        w.__creates = [];
        const create = navigator.credentials.create.bind(navigator.credentials);
        navigator.credentials.create = (options?: CredentialCreationOptions) => {
          const mediation = (options as { mediation?: string } | undefined)?.mediation ?? 'optional';
          w.__creates.push(mediation);
          if (mediation !== 'conditional') return create(options);
          const { mediation: _conditional, ...plain } = options as CredentialCreationOptions & { mediation?: string };
          return create(plain);
        };
      });
      const page = await context.newPage();
      const { cdp, authenticatorId } = await addVirtualAuthenticator(page);
      const email = newEmail('auto');
      await page.goto(e2e.s.origin);
      expect(
        await page.evaluate(async () => (await PublicKeyCredential.getClientCapabilities()).conditionalCreate),
      ).toBe(true);
      await codeSignIn(page, email);
      // No button pressed: the conditional create made the passkey, and the page went on.
      await expectAccountPage(page, email);
      await page.getByText('Your password manager saved a passkey').waitFor();
      expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toHaveLength(1);
      expect(await page.evaluate(() => (window as unknown as { __creates: string[] }).__creates)).toEqual([
        'conditional',
      ]);
      await page.locator('#passkeys-heading').waitFor();
      expect(await page.locator('.item-list').first().locator('.item').count()).toBe(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'remembers "Not now" on this device: the next email sign-in of that account skips the offer',
    async () => {
      const context = await e2e.newContext();
      await instrument(context);
      const page = await context.newPage();
      const email = newEmail('notnow');
      await codeSignIn(page, email);
      await heading(page, 'Sign in faster next time').waitFor();
      await page.getByRole('button', { name: 'Not now' }).click();
      await expectAccountPage(page, email);
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await expectSignInPage(page);

      await codeSignIn(page, email);
      await expectAccountPage(page, email);
      // Not even a flash of the offer on the way.
      expect(
        (await viewsSeen(page)).filter((view) => view.startsWith('/add-passkey') && view.includes('Sign in faster')),
      ).toEqual([]);
      // Another account on the same device still gets the offer.
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await expectSignInPage(page);
      await codeSignIn(page, newEmail('other'));
      await heading(page, 'Sign in faster next time').waitFor();
    },
    TEST_TIMEOUT_MS,
  );
});
