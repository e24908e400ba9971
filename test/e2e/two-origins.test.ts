/**
 * End to end with two real servers on two origins, as an application adopts Sesame: Sesame on
 * http://localhost:P1 (APP_ORIGINS = the app, RP_ID localhost, ACCESS_TOKEN_TTL=2) and the example
 * app (examples/notes, installed from the packed @sesame/client tarball) on http://localhost:P2.
 *
 * In Chromium: sign in through Sesame's pages by an emailed link opened in a second browser context
 * and land in the app; the app's API answers with the verified user; a passkey made and used on
 * the app's own origin; sign-out from the app signs out of Sesame; sign in with a passkey on
 * Sesame's page and land back in the app; silent refresh of the 2-second token.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../helpers/smtp-capture.js';
import { addVirtualAuthenticator, launchBrowser, type Browser, type BrowserContext, type Page } from './browser.js';
import { installExample, packClient, startExample, tempDir, type ExampleApp } from './example-app.js';
import {
  autofillPending,
  expectSignInPage,
  heading,
  instrument,
  newEmail,
  newTestContext,
  refreshCookie,
  requestEmail,
  startE2EServer,
  TEST_TIMEOUT_MS,
  type E2EServer,
} from './server.js';

let s: E2EServer;
let app: ExampleApp;
let browser: Browser;
let work: string;
let tarball: string;
const contexts: BrowserContext[] = [];
const email = newEmail('two-origins');

/** Every request a page makes to either server, with its origin, path and status. */
function recordCalls(page: Page) {
  const calls: { origin: string; method: string; path: string; status: number; at: number }[] = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    calls.push({
      origin: url.origin,
      method: response.request().method(),
      path: url.pathname,
      status: response.status(),
      at: Date.now(),
    });
  });
  return calls;
}

async function freshPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newTestContext(browser);
  contexts.push(context);
  await instrument(context);
  return { context, page: await context.newPage() };
}

/** Waits that span a page load on two servers: generous, for a machine busy with the whole suite. */
const CROSS_ORIGIN_WAIT_MS = 25_000;

/** The app shows the person signed in, and its API's verdict on the token. */
async function expectSignedInApp(page: Page) {
  await page.waitForURL((url) => url.origin === app.origin, { timeout: CROSS_ORIGIN_WAIT_MS });
  await page.locator('#who').getByText(email, { exact: true }).waitFor({ timeout: CROSS_ORIGIN_WAIT_MS });
  await page
    .locator('#verified-by')
    .getByText(/verified by this app’s API/)
    .waitFor({ timeout: CROSS_ORIGIN_WAIT_MS });
}

async function expectSignedOutApp(page: Page) {
  await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor({ timeout: CROSS_ORIGIN_WAIT_MS });
  await page.getByRole('link', { name: 'Sign in' }).waitFor({ timeout: CROSS_ORIGIN_WAIT_MS });
}

beforeAll(async () => {
  work = tempDir('two-origins');
  tarball = await packClient(work);
  const dir = await installExample(tarball, work);
  const appPort = await closedPort();
  s = await startE2EServer({ APP_ORIGINS: `http://localhost:${appPort}`, ACCESS_TOKEN_TTL: '2' });
  app = await startExample({ dir, port: appPort, sesameUrl: s.origin });
  browser = await launchBrowser();
}, 600_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await app?.stop();
  await s?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('the packed client package', () => {
  it('is ESM with type declarations, versioned, with a CHANGELOG, and without Preact', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const file of [
      'dist/browser/index.js',
      'dist/browser/index.d.ts',
      'dist/server/index.js',
      'dist/server/index.d.ts',
      'CHANGELOG.md',
      'README.md',
      'package.json',
    ]) {
      expect(files).toContain(`package/${file}`);
    }
    expect(files.filter((f) => /\.test\.|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    const manifest = JSON.parse(
      execFileSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' }),
    ) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      name: '@sesame/client',
      type: 'module',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    expect(Object.keys(manifest.exports as object)).toEqual(expect.arrayContaining(['.', './server']));
    expect(JSON.stringify(manifest)).not.toMatch(/preact/i);
    const changelog = execFileSync('tar', ['-xOzf', tarball, 'package/CHANGELOG.md'], { encoding: 'utf8' });
    expect(changelog).toContain(`## ${manifest.version as string}`);
    const browserCode = execFileSync('tar', ['-xOzf', tarball, '--wildcards', 'package/dist/browser/*.js'], {
      encoding: 'utf8',
    });
    expect(browserCode).not.toMatch(/from ['"]preact/);
    expect(browserCode).toMatch(/^export /m);
  });
});

describe('an app on its own origin, signing in with Sesame', () => {
  let page: Page;
  let context: BrowserContext;
  let calls: ReturnType<typeof recordCalls>;
  let authenticator: Awaited<ReturnType<typeof addVirtualAuthenticator>>;
  /**
   * The virtual authenticator answers every request at once while presence is on, including the
   * autofill (conditional) request Sesame's sign-in page starts by itself; off, requests wait.
   */
  const presence = (enabled: boolean) =>
    authenticator.cdp.send('WebAuthn.setAutomaticPresenceSimulation', {
      authenticatorId: authenticator.authenticatorId,
      enabled,
    });

  it(
    'signs in through Sesame’s pages by an emailed link opened in a second context, and lands in the app',
    async () => {
      const desk = await freshPage();
      await desk.page.goto(app.origin);
      await expectSignedOutApp(desk.page);
      await desk.page.getByRole('link', { name: 'Sign in' }).click();
      await expectSignInPage(desk.page);
      expect(new URL(desk.page.url()).origin).toBe(s.origin);
      expect(new URL(desk.page.url()).searchParams.get('returnTo')).toBe(`${app.origin}/`);
      const mail = await requestEmail(desk.page, s, email);

      // The link, opened in another browser context (another device): only the server knew returnTo.
      ({ context, page } = await freshPage());
      calls = recordCalls(page);
      authenticator = await addVirtualAuthenticator(page);
      await page.goto(mail.link);
      await page.getByRole('button', { name: 'Confirm sign-in' }).click();
      await heading(page, 'Sign in faster next time').waitFor();
      await page.getByRole('button', { name: 'Not now' }).click();
      await expectSignedInApp(page);
      // The session is Sesame's: its cookie belongs to Sesame's origin and no script of the app reads it.
      expect(await refreshCookie(context, s.origin)).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      expect(await page.evaluate(() => document.cookie)).not.toContain('sesame_refresh');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'the app’s API answers with the verified user, and keeps notes per user',
    async () => {
      await expect
        .poll(() => calls.filter((c) => c.origin === app.origin && c.path === '/api/me').at(-1)?.status)
        .toBe(200);
      await page.getByLabel('New note').fill('Buy figs');
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await page.getByRole('listitem').getByText('Buy figs').waitFor();
      await page.reload();
      await page.getByRole('listitem').getByText('Buy figs').waitFor();
      // Without the token the API refuses.
      const anonymous = await fetch(`${app.origin}/api/notes`);
      expect(anonymous.status).toBe(401);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'renews the 2-second access token silently',
    async () => {
      await page.locator('#who').getByText(email, { exact: true }).waitFor();
      await page.waitForTimeout(2_500);
      const waitedAt = Date.now();
      await page.getByLabel('New note').fill('After the token expired');
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await page.getByRole('listitem').getByText('After the token expired').waitFor();
      const sinceWait = () => calls.filter((c) => c.at >= waitedAt);
      await expect
        .poll(() => sinceWait().some((c) => c.origin === s.origin && c.path === '/auth/refresh' && c.status === 200))
        .toBe(true);
      await expect
        .poll(() =>
          sinceWait().some(
            (c) => c.origin === app.origin && c.path === '/api/notes' && c.method === 'POST' && c.status === 201,
          ),
        )
        .toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'adds a passkey with a ceremony on the app’s own origin',
    async () => {
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await page
        .locator('#status')
        .getByText(/Passkey “Notes example” added/)
        .waitFor();
      // Response events reach this process a little after the page has used the response: poll.
      const verifies = () =>
        calls.filter((c) => c.origin === s.origin && c.path === '/auth/passkeys/register/verify').map((c) => c.status);
      await expect.poll(verifies).toContain(201);
      // One passkey stored. On a busy machine the 2-second token can expire in transit: the client
      // then renews it and sends the same response once more (its challenge was not used up by the 401).
      expect(verifies().filter((status) => status !== 401)).toEqual([201]);
      const { credentials } = await authenticator.cdp.send('WebAuthn.getCredentials', {
        authenticatorId: authenticator.authenticatorId,
      });
      expect(credentials).toHaveLength(1);
      expect(credentials[0]!.rpId).toBe('localhost');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'signs out from the app, which signs out of Sesame',
    async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expectSignedOutApp(page);
      expect(await refreshCookie(context, s.origin)).toBeUndefined();
      // Sesame's own page agrees (presence off: its passkey autofill must not sign in again by itself).
      await presence(false);
      await page.goto(s.origin);
      await expectSignInPage(page);
      await page.waitForTimeout(500);
      await expectSignInPage(page);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'signs in with a passkey on the app’s own origin',
    async () => {
      await page.goto(app.origin);
      await expectSignedOutApp(page);
      await presence(true);
      const since = Date.now();
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await expectSignedInApp(page);
      await expect
        .poll(() =>
          calls
            .filter((c) => c.at >= since && c.path === '/auth/passkeys/login/verify')
            .map((c) => `${c.origin} ${c.status}`),
        )
        .toEqual([`${s.origin} 200`]);
      await page.getByRole('listitem').getByText('Buy figs').waitFor();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'signs in with a passkey on Sesame’s page and lands back in the app',
    async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expectSignedOutApp(page);
      // Presence off while Sesame's page starts its autofill request, so the button is what signs in.
      await presence(false);
      await page.getByRole('link', { name: 'Sign in' }).click();
      await expectSignInPage(page, CROSS_ORIGIN_WAIT_MS);
      await autofillPending(page, CROSS_ORIGIN_WAIT_MS);
      await presence(true);
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await expectSignedInApp(page);
      await page.getByRole('listitem').getByText('Buy figs').waitFor();
    },
    TEST_TIMEOUT_MS,
  );
});
