/**
 * End to end: the account's life in Chromium with the CDP virtual authenticator and the real SMTP
 * sink. Changing the address (the link to the new one and the notice to the old one both read from
 * SMTP; the waiting account tab updates by itself), deleting the account (a confirmation naming the
 * address), the activity list, and the WebAuthn Signal API calls the pages make, observed through a
 * spy on PublicKeyCredential.signal* (installed over Chromium's own methods, or in their place):
 * signalAllAcceptedCredentials after a passkey sign-in and after a delete, signalUnknownCredential
 * for a deleted passkey, signalCurrentUserDetails after an address change, each with the right ids.
 * A passkey whose (software) authenticator reports a known AAGUID shows that provider's name and icon.
 */
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { describe, expect, it } from 'vitest';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { addVirtualAuthenticator, type BrowserContext, type Page } from './browser.js';
import {
  autofillPending,
  instrument,
  captureAccessTokens,
  expectAccountPage,
  expectSignInPage,
  heading,
  newEmail,
  signInWithCode,
  signUpWithPasskey,
  TEST_TIMEOUT_MS,
} from './server.js';
import { useE2E } from './suite.js';

const e2e = useE2E();

interface SignalCall {
  name: string;
  options: Record<string, unknown>;
}

/** A context whose pages record every PublicKeyCredential.signal* call in window.__signals. */
async function spiedContext(): Promise<BrowserContext> {
  const context = await e2e.newContext();
  await instrument(context);
  await context.addInitScript(() => {
    const w = window as unknown as { __signals: { name: string; options: unknown }[] };
    w.__signals = [];
    const pkc = window.PublicKeyCredential as unknown as Record<string, unknown> | undefined;
    if (!pkc) return;
    for (const name of ['signalAllAcceptedCredentials', 'signalUnknownCredential', 'signalCurrentUserDetails']) {
      const original = typeof pkc[name] === 'function' ? (pkc[name] as (o: unknown) => Promise<void>).bind(pkc) : null;
      pkc[name] = (options: unknown) => {
        w.__signals.push({ name, options: JSON.parse(JSON.stringify(options)) });
        // Chromium's own method where it has one (it may refuse in a headless test browser: best effort).
        return original ? original(options).catch(() => undefined) : Promise.resolve();
      };
    }
  });
  return context;
}

const signals = (page: Page) => page.evaluate(() => (window as unknown as { __signals: SignalCall[] }).__signals);
const userHandleOf = (userId: string) => Buffer.from(userId, 'utf8').toString('base64url');

async function currentUserId(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const res = await fetch('/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      credentials: 'include',
    });
    return ((await res.json()) as { user: { id: string } }).user.id;
  });
}

describe('the account page', () => {
  it(
    'changes the address: the new one proves it by link in another tab, the old one gets a notice, the page and the passkey name follow',
    async () => {
      const context = await spiedContext();
      const email = newEmail('before');
      const next = newEmail('after');
      const page = await signInWithCode(context, e2e.s, email);
      const userId = await currentUserId(page);

      await page.getByRole('button', { name: 'Change address' }).click();
      await page.getByLabel('New email address').fill(next);
      const before = e2e.s.smtp.received.length;
      await page.getByRole('button', { name: 'Send a link' }).click();
      await page.getByText(`Check ${next}: open the link there, or type the six-digit code here.`).waitFor();
      const proof = await e2e.s.mailTo(next, before);
      expect(proof.mail.subject).toMatch(/new address/i);

      // The link, opened in another tab of this e2e.browser, asks to confirm the new address.
      const linkTab = await context.newPage();
      await linkTab.goto(proof.link);
      await heading(linkTab, 'Confirm your new address').waitFor();
      await linkTab.getByText(next, { exact: true }).waitFor();
      await linkTab.getByRole('button', { name: 'Confirm this address' }).click();
      await expectAccountPage(linkTab, next);
      await linkTab.getByText(`Your address is now ${next}.`).waitFor();

      // The first tab follows by itself (the renewed token reached it over the auth channel).
      await expectAccountPage(page, next);
      // The old address is told, over SMTP.
      const notice = await e2e.s.mailTo(email, before);
      expect(notice.mail.subject).toMatch(/address/i);
      expect(notice.mail.text).toContain(next);
      // The browser is told the account's new name for its passkeys.
      await expect
        .poll(async () => (await signals(linkTab)).filter((c) => c.name === 'signalCurrentUserDetails'))
        .toEqual([
          {
            name: 'signalCurrentUserDetails',
            options: { rpId: 'localhost', userId: userHandleOf(userId), name: next, displayName: next },
          },
        ]);
      // The activity list shows the change.
      await linkTab.reload();
      await linkTab.locator('.activity-list').getByText('Email address changed').first().waitFor();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'signals the accepted passkeys after a passkey sign-in and after a delete; shows a known provider’s name and icon',
    async () => {
      const context = await spiedContext();
      const email = newEmail('signals');
      const page = await context.newPage();
      const tokens = captureAccessTokens(page);
      const { cdp, authenticatorId } = await addVirtualAuthenticator(page);
      // With presence off, the autofill request of the sign-in page stays pending until the button is used.
      const presence = (enabled: boolean) =>
        cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });
      await page.goto(e2e.s.origin);
      await expectSignInPage(page);
      await signUpWithPasskey(page, e2e.s, email);
      const userId = await currentUserId(page);

      // A second passkey, from a software authenticator that reports Apple Passwords' AAGUID.
      const token = tokens[tokens.length - 1]!;
      const options = await fetch(`${e2e.s.origin}/auth/passkeys/register/options`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      const soft = new SoftAuthenticator({ aaguid: Buffer.from('fbfc3007154e4ecc8c0b6e020557d7bd', 'hex') });
      const response = soft.createCredential({
        options: (await options.json()) as PublicKeyCredentialCreationOptionsJSON,
        origin: e2e.s.origin,
      });
      const added = await fetch(`${e2e.s.origin}/auth/passkeys/register/verify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ response }),
      });
      expect(added.status).toBe(201);
      await page.reload();
      await expectAccountPage(page, email);
      const appleItem = page.locator('.item', { hasText: 'Apple Passwords' });
      await appleItem.locator('.provider-name', { hasText: 'Apple Passwords' }).waitFor();
      expect(await appleItem.locator('.provider-icon img').getAttribute('src')).toMatch(/^data:image\//);
      const passkeyIds = (await listPasskeyIds(token)).sort();
      expect(passkeyIds).toHaveLength(2);

      // Sign out, then in with the passkey: the browser hears which passkeys are accepted.
      await presence(false);
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await expectSignInPage(page);
      await autofillPending(page);
      await presence(true);
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await expectAccountPage(page, email);
      // Each passkey sign-in sends it.
      const accepted = async () => {
        const sent = (await signals(page)).filter((c) => c.name === 'signalAllAcceptedCredentials');
        return [
          ...new Set(
            sent.map((c) =>
              JSON.stringify({
                ...c.options,
                allAcceptedCredentialIds: (c.options.allAcceptedCredentialIds as string[]).sort(),
              }),
            ),
          ),
        ].map((j) => JSON.parse(j));
      };
      await expect
        .poll(accepted)
        .toEqual([{ rpId: 'localhost', userId: userHandleOf(userId), allAcceptedCredentialIds: passkeyIds }]);

      // Delete the Apple one: the browser hears that only the other is accepted now.
      await appleItem.getByRole('button', { name: 'Delete' }).click();
      await appleItem.getByRole('button', { name: 'Delete' }).click();
      await page.getByText('Passkey “Apple Passwords” deleted.').waitFor();
      const kept = passkeyIds.filter((id) => id !== response.id);
      await expect
        .poll(
          async () => (await signals(page)).filter((c) => c.name === 'signalAllAcceptedCredentials').at(-1)?.options,
        )
        .toEqual({ rpId: 'localhost', userId: userHandleOf(userId), allAcceptedCredentialIds: kept });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'deletes the account after a confirmation naming the address; its passkey is then unknown, and the browser is told',
    async () => {
      const context = await spiedContext();
      const email = newEmail('delete');
      const page = await context.newPage();
      const { cdp, authenticatorId } = await addVirtualAuthenticator(page);
      await page.goto(e2e.s.origin);
      await expectSignInPage(page);
      await signUpWithPasskey(page, e2e.s, email);
      const [credential] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;

      await page.getByRole('button', { name: 'Delete account…' }).click();
      await page.getByText(`Delete the account ${email}?`, { exact: false }).waitFor();
      await page.getByRole('button', { name: 'Keep my account' }).click();
      await expectAccountPage(page, email);
      await page.getByRole('button', { name: 'Delete account…' }).click();
      await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: false });
      await page.getByRole('button', { name: `Delete ${email}` }).click();
      await expectSignInPage(page);
      await page.getByText(`The account ${email} is deleted`).waitFor();
      await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: true });

      // The virtual authenticator still holds the passkey; the server no longer knows it.
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await page.getByText('That passkey was deleted from your account').waitFor();
      await expect
        .poll(async () =>
          (await signals(page)).filter((c) => c.name === 'signalUnknownCredential').map((c) => c.options),
        )
        .toEqual([
          { rpId: 'localhost', credentialId: Buffer.from(credential!.credentialId, 'base64').toString('base64url') },
        ]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'asks before signing out everywhere, and lists each session’s sign-in method',
    async () => {
      const context = await spiedContext();
      const email = newEmail('everywhere');
      const page = await signInWithCode(context, e2e.s, email);
      await page.getByText('Signed in by email').first().waitFor();
      await page.getByRole('button', { name: 'Sign out everywhere…' }).click();
      await page.getByText('Sign out on every device, this one included?').waitFor();
      await page.getByRole('button', { name: 'Cancel' }).click();
      await expectAccountPage(page, email);
      await page.getByRole('button', { name: 'Sign out everywhere…' }).click();
      await page.getByRole('button', { name: 'Sign out everywhere', exact: true }).click();
      await expectSignInPage(page);
      await page.getByText('You’re signed out on every device.').waitFor();
    },
    TEST_TIMEOUT_MS,
  );
});

async function listPasskeyIds(token: string): Promise<string[]> {
  const res = await fetch(`${e2e.s.origin}/auth/passkeys`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { passkeys: { id: string }[] }).passkeys.map((p) => p.id);
}
