/**
 * End to end in Chromium: the pages in German for a German browser (Accept-Language and
 * navigator.language from the context's locale), with the operator's PRODUCT_NAME and brand
 * colour; the sign-in mail in German too; the language picker switches to English at once and
 * the choice outlives a reload (the server reads its cookie). The account page in German: its
 * frame, the passkeys and sessions sections with German dates and relative times, and the
 * re-authentication prompt (REAUTH_WINDOW=10, the least allowed: adding a passkey once the sign-in
 * is older asks in place, answered with an emailed code), then signing out. Screenshots of the
 * German pages go to test-artifacts/screenshots/i18n-*.png.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { addVirtualAuthenticator, type BrowserContext, type Page } from './browser.js';
import { heading, newEmail, screenshots, seriousAxeViolations, TEST_TIMEOUT_MS, type E2EServer } from './server.js';
import { useE2E } from './suite.js';

let s: E2EServer;
let context: BrowserContext;
let page: Page;
/** When the account page first showed after the sign-up (the sign-in's proof of presence is a little older). */
let signedUpAt = 0;
let authenticator: Awaited<ReturnType<typeof addVirtualAuthenticator>> | null = null;
/** The re-authentication window (seconds): the least the server allows, so the prompt can be reached. */
const REAUTH_WINDOW_S = 10;
/** English a German page must not show (the account page's frame, sections, marks and prompt). */
const ENGLISH =
  /Sesame|Your account|Sign out|Where you’re signed in|This device|Bound to device|Signed in (with|by|on)|Last (used|active)|Added|Never used|Synced|Revoke|Rename|Delete|Add a passkey|No passkeys|Confirm it’s you|Use your passkey|Email me a code|Cancel/;

const e2e = useE2E({ PRODUCT_NAME: 'Acme ID', BRAND_COLOR: '#0f766e', REAUTH_WINDOW: String(REAUTH_WINDOW_S) });

beforeAll(async () => {
  s = e2e.s;
  // A German browser: Accept-Language and navigator.language from the context's locale.
  context = await e2e.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
});

const visibleText = (p: Page) => p.evaluate(() => `${document.title}\n${document.body.textContent}`);

describe('pages in the person’s language, with the operator’s branding', () => {
  it(
    'shows the sign-in page in German, named PRODUCT_NAME, in the brand colour',
    async () => {
      await page.goto(`${s.origin}/`);
      await heading(page, 'Bei Acme ID anmelden').waitFor();
      await page.getByLabel('E-Mail-Adresse').waitFor();
      expect(await page.evaluate(() => document.documentElement.lang)).toBe('de');
      expect(await page.title()).toBe('Anmelden · Acme ID');
      expect(await page.locator('.masthead .brand').textContent()).toBe('Acme ID');
      // BRAND_COLOR on the primary button (a passkey first, for a first visit), with the text colour chosen for contrast.
      const button = page.getByRole('button', { name: 'Mit einem Passkey anmelden' });
      expect(await button.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(15, 118, 110)');
      expect(await button.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(255, 255, 255)');
      expect(await page.getByRole('combobox', { name: 'Sprache' }).inputValue()).toBe('de');
      const text = await visibleText(page);
      expect(text).not.toMatch(/Sesame|Sign in|Email address/);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshots(page, 'i18n-sign-in-de');
      // Dark scheme: the brand colour lightened until it reads on the dark background (--brand-ink-dark), dark text on it.
      // Reduced motion: the button's 120 ms colour transition would otherwise be read (and checked by axe) half-way.
      await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' });
      expect(await button.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe('rgb(15, 118, 110)');
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshots(page, 'i18n-sign-in-de-dark');
      await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'asks for the mail in German and gets it in German',
    async () => {
      const email = newEmail('i18n');
      const before = s.smtp.received.length;
      await page.getByLabel('E-Mail-Adresse').fill(email);
      await page.getByRole('button', { name: 'Link per E-Mail senden' }).click();
      await heading(page, 'Prüfen Sie Ihre E-Mails').waitFor();
      await page.getByText(email, { exact: true }).waitFor();
      const mail = await s.mailTo(email, before);
      expect(mail.mail.subject).toBe('Bei Acme ID anmelden');
      expect(mail.mail.text).toContain('Link und Code laufen in 10 Minuten ab');
      expect(String(mail.mail.html)).toContain('background-color:#0f766e;');
      await screenshots(page, 'i18n-check-email-de');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'switches to English with the picker, and keeps English after a reload despite the German browser',
    async () => {
      await page.getByRole('combobox', { name: 'Sprache' }).selectOption('en');
      await heading(page, 'Check your email').waitFor();
      expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
      const cookie = (await context.cookies(s.origin)).find((c) => c.name === 'sesame_locale');
      expect(cookie?.value).toBe('en');
      await page.goto(`${s.origin}/`);
      // The email asked for is still awaited (a reload keeps "Check your email"), now in English.
      await heading(page, 'Check your email').waitFor();
      await page.getByRole('button', { name: 'Use a different address' }).click();
      await heading(page, 'Sign in to Acme ID').waitFor();
      expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
      expect(await page.getByRole('combobox', { name: 'Language' }).inputValue()).toBe('en');
      // And back: German again on the spot.
      await page.getByRole('combobox', { name: 'Language' }).selectOption('de');
      await heading(page, 'Bei Acme ID anmelden').waitFor();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows the account page in German: its passkeys, its sessions with German dates, this device marked',
    async () => {
      const email = newEmail('i18n-account');
      const before = s.smtp.received.length;
      await page.getByRole('button', { name: 'Konto anlegen' }).click();
      await heading(page, 'Ihr Konto anlegen').waitFor();
      await page.getByLabel('E-Mail-Adresse').fill(email);
      await page.getByRole('button', { name: 'Link senden' }).click();
      await heading(page, 'Prüfen Sie Ihre E-Mails').waitFor();
      const mail = await s.mailTo(email, before);
      await page.getByLabel('Sechsstelliger Code').fill(mail.code);
      await page.getByRole('button', { name: 'Code prüfen' }).click();
      await page.getByRole('button', { name: 'Nicht jetzt' }).click();
      await heading(page, 'Ihr Konto').waitFor();
      signedUpAt = Date.now();
      expect(await page.title()).toBe('Ihr Konto · Acme ID');
      await page.getByRole('button', { name: 'Abmelden', exact: true }).waitFor();

      const passkeys = page.locator('section[aria-labelledby="passkeys-heading"]');
      await passkeys.getByRole('heading', { level: 2, name: 'Passkeys' }).waitFor();
      await passkeys
        .getByText('Noch keine Passkeys. Fügen Sie einen hinzu, um sich anzumelden, ohne auf eine E-Mail zu warten.')
        .waitFor();

      const sessions = page.locator('section[aria-labelledby="sessions-heading"]');
      await sessions.getByRole('heading', { level: 2, name: 'Wo Sie angemeldet sind' }).waitFor();
      const thisSession = sessions.locator('.item').filter({ hasText: 'Dieses Gerät' });
      await thisSession.waitFor();
      // The date in German order (30.11.2026) inside the sentence, the relative time through Intl.
      expect(await thisSession.locator('.item-meta').textContent()).toMatch(
        /^Am \d{2}\.\d{2}\.\d{4} per E-Mail angemeldetZuletzt aktiv (gerade eben|vor \d+ (Sekunden|Minuten?))$/,
      );
      await sessions
        .getByText('Ein Gerät verloren oder sich irgendwo angemeldet, wo Sie es nicht sollten?', { exact: false })
        .waitFor();
      expect(await visibleText(page)).not.toMatch(ENGLISH);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshots(page, 'i18n-account-de');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'asks in German to confirm it’s the person before adding a passkey, then adds it and lists it in German',
    async () => {
      authenticator = await addVirtualAuthenticator(page);
      // The sign-in must be older than REAUTH_WINDOW for the server to ask; that is the server's clock, not a race.
      await page.waitForTimeout(Math.max(0, signedUpAt + REAUTH_WINDOW_S * 1000 + 500 - Date.now()));
      const email = (await page.locator('.account-email .break').textContent())!;
      await page.getByRole('button', { name: 'Passkey hinzufügen' }).click();
      const prompt = page.getByRole('group', { name: 'Bestätigen Sie, dass Sie es sind' });
      await prompt.getByText('Bestätigen Sie zu Ihrer Sicherheit, dass Sie es sind, um fortzufahren.').waitFor();
      await prompt.getByRole('button', { name: 'Passkey verwenden' }).waitFor();
      await prompt.getByRole('button', { name: 'Abbrechen' }).waitFor();
      // The prompt speaks alone: the section's "follow your browser's prompt" is gone.
      expect(await page.getByText('Folgen Sie der Abfrage Ihres Browsers').count()).toBe(0);
      expect(await visibleText(page)).not.toMatch(ENGLISH);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshots(page, 'i18n-reauth-de');

      // No passkey yet on this account: the emailed code, in German all the way.
      const before = s.smtp.received.length;
      await prompt.getByRole('button', { name: 'Code per E-Mail senden' }).click();
      await prompt.getByText(`Wir haben einen sechsstelligen Code an ${email} gesendet.`).waitFor();
      await prompt.getByRole('button', { name: 'Neuen Code senden' }).waitFor();
      const mail = await s.mailTo(email, before);
      await prompt.getByLabel('Sechsstelliger Code').fill('12');
      await prompt.getByRole('button', { name: 'Bestätigen' }).click();
      await prompt.getByText('Geben Sie die sechs Ziffern aus der E-Mail ein.').waitFor();
      await prompt.getByLabel('Sechsstelliger Code').fill(mail.code);
      await prompt.getByRole('button', { name: 'Bestätigen' }).click();

      // Confirmed: the passkey the person asked for is added (the virtual authenticator), and listed in German.
      const passkeys = page.locator('section[aria-labelledby="passkeys-heading"]');
      await passkeys.getByText(/^Passkey „.+“ hinzugefügt\.$/).waitFor();
      expect(await prompt.count()).toBe(0);
      const item = passkeys.locator('.item');
      expect(await item.locator('.item-meta').textContent()).toMatch(
        /(Nicht synchronisiert|Synchronisiert)Hinzugefügt am \d{2}\.\d{2}\.\d{4}(Nie verwendet|Zuletzt verwendet .+)$/,
      );
      await item.getByRole('button', { name: 'Umbenennen' }).waitFor();
      await item.getByRole('button', { name: 'Löschen' }).click();
      await item.getByText(/^„.+“ löschen\? Sie können sich danach nicht mehr damit anmelden\.$/).waitFor();
      await item.getByRole('button', { name: 'Abbrechen' }).click();
      expect(await visibleText(page)).not.toMatch(ENGLISH);
      await screenshots(page, 'i18n-account-passkey-de');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'signs out in German',
    async () => {
      // Presence off: the sign-in page's passkey autofill stays pending instead of signing straight back in.
      await authenticator!.cdp.send('WebAuthn.setAutomaticPresenceSimulation', {
        authenticatorId: authenticator!.authenticatorId,
        enabled: false,
      });
      await page.getByRole('button', { name: 'Abmelden', exact: true }).click();
      await heading(page, 'Bei Acme ID anmelden').waitFor();
      await page.getByText('Sie sind abgemeldet.').waitFor();
    },
    TEST_TIMEOUT_MS,
  );
});
