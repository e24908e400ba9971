/**
 * End to end in Chromium: the pages in German for a German browser (Accept-Language and
 * navigator.language from the context's locale), with the operator's PRODUCT_NAME and brand
 * colour; the sign-in mail in German too; the language picker switches to English at once and
 * the choice outlives a reload (the server reads its cookie). Screenshots of the German pages go
 * to test-artifacts/screenshots/i18n-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Browser, type BrowserContext, type Page } from './browser.js';
import { heading, newEmail, newTestContext, screenshots, seriousAxeViolations, startE2EServer, TEST_TIMEOUT_MS, type E2EServer } from './server.js';

let s: E2EServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  s = await startE2EServer({ PRODUCT_NAME: 'Acme ID', BRAND_COLOR: '#0f766e' });
  browser = await launchBrowser();
  context = await newTestContext(browser, { locale: 'de-DE', viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await s?.close();
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
});
