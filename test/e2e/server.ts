/**
 * The end-to-end fixture: the real Node server (startNodeServer, the built web/dist, a temp-file
 * SQLite database) on 127.0.0.1, reached by the browser as http://localhost:<port> (a secure
 * context, so WebAuthn and the Secure refresh cookie work), mailing through SMTP to a local
 * smtp-server that keeps every message. Plus small helpers the e2e files share.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { parseConfig } from '../../src/lib/config.js';
import { startNodeServer, type NodeServer } from '../../src/entry/node-server.js';
import type { Logger, LogFields, LogLevel } from '../../src/lib/log.js';
import { closedPort, startSmtpCapture, type CapturedMail, type SmtpCapture } from '../helpers/smtp-capture.js';
import { freePort } from '../helpers/free-port.js';
import { startTlsFront, type TlsFront } from '../helpers/tls-front.js';

const webDist = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../web/dist');
export const SCREENSHOT_DIR = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  '../../test-artifacts/screenshots',
);

export interface E2EServer {
  /** http://localhost:<port> (or https:// with `https`), what the browser opens (and PUBLIC_URL). */
  origin: string;
  /** With `https`: the TLS front the browser talks to (its certificate's SPKI hash for Chromium). */
  tls: TlsFront | null;
  server: NodeServer;
  smtp: SmtpCapture;
  logs: { level: LogLevel; msg: string; fields: LogFields }[];
  /** The newest message to `to` that arrived after `after` messages in total (waits for it). */
  mailTo(to: string, after: number, timeoutMs?: number): Promise<CapturedMail>;
  close(): Promise<void>;
}

/**
 * `https`: the browser reaches the server through a TLS front (helpers/tls-front.ts) at
 * https://localhost:<front port>, which is then PUBLIC_URL; needed where Chromium demands a trusted
 * certificate (DBSC). Launch the browser with `--ignore-certificate-errors-spki-list=<tls.spki>`.
 */
export async function startE2EServer(
  env: Record<string, string> = {},
  { https = false }: { https?: boolean } = {},
): Promise<E2EServer> {
  if (!fs.existsSync(path.join(webDist, 'index.html'))) {
    throw new Error(
      'web/dist is missing: build the front end first (npx vite build --config web/vite.config.ts; npm test does it)',
    );
  }
  const smtp = await startSmtpCapture();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-e2e-'));
  const logs: E2EServer['logs'] = [];
  const logger: Logger = { log: (level, msg, fields = {}) => void logs.push({ level, msg, fields }) };

  // PUBLIC_URL must name the port, so a free port is picked first (startNodeServer accepts PORT 0
  // and reads the bound port back, but PUBLIC_URL is fixed before that). Another process could
  // take it in between; then the listen error surfaces as an uncaught EADDRINUSE (startNodeServer
  // does not reject on listen errors), which fails this file loudly rather than silently.
  const port = await closedPort();
  const frontPort = https ? await freePort() : null;
  const origin = frontPort ? `https://localhost:${frontPort}` : `http://localhost:${port}`;
  const config = parseConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: origin,
    DATABASE_PATH: path.join(dir, 'sesame.db'),
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}?ignoreTLS=true`,
    MAIL_FROM: 'Sesame <no-reply@sesame.test>',
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_EMAILS_PER_HOUR: '1000',
    ...env,
  });
  const server = await startNodeServer({ config, logger });
  if (server.port !== port) throw new Error(`server bound ${server.port}, expected ${port}`);
  const tls = frontPort ? await startTlsFront(port, frontPort) : null;

  return {
    origin,
    tls,
    server,
    smtp,
    logs,
    async mailTo(to, after, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const match = smtp.received.slice(after).filter((m) => m.rcptTo.includes(to));
        if (match.length > 0) return match[match.length - 1]!;
        if (Date.now() > until)
          throw new Error(`no mail to ${to} after message #${after} (${smtp.received.length} received in all)`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      await tls?.close();
      await server.stop();
      await smtp.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Playwright's waits give up after this long, well inside vitest's per-test timeout. */
export const ACTION_TIMEOUT_MS = 10_000;
/** Per-test timeout of the e2e tests (a 2-core machine running the whole suite at once is slow). */
export const TEST_TIMEOUT_MS = 60_000;

/** A browser context whose waits fail with the locator's name rather than a vitest timeout. */
export async function newTestContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  return context;
}

/** A unique address per test, so tests in one file never share an account by accident. */
export function newEmail(label: string): string {
  return `${label}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** The h1 of the page, which names every view ("Your account", "Check your email", ...). */
export function heading(page: Page, name: string | RegExp) {
  return page.getByRole('heading', { level: 1, name });
}

/** Waits for the account page of `email` (its h1 and the address). */
export async function expectAccountPage(page: Page, email: string, timeout = ACTION_TIMEOUT_MS): Promise<void> {
  await heading(page, 'Your account').waitFor({ timeout });
  await page.locator('.account-email').getByText(email, { exact: true }).waitFor({ timeout });
}

/** Waits for the sign-in form. */
export async function expectSignInPage(page: Page, timeout = ACTION_TIMEOUT_MS): Promise<void> {
  await heading(page, 'Sign in to Sesame').waitFor({ timeout });
  await page.getByLabel('Email address').waitFor({ timeout });
}

/** Every key of both storages with its value; the access token must never be among them. */
export async function webStorage(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const out: Record<string, string> = {};
    for (const [name, store] of [
      ['local', localStorage],
      ['session', sessionStorage],
    ] as const) {
      for (let i = 0; i < store.length; i++) {
        const key = store.key(i)!;
        out[`${name}:${key}`] = store.getItem(key) ?? '';
      }
    }
    return out;
  });
}

/** Records the access tokens the page receives (session responses), to look for them elsewhere. */
export function captureAccessTokens(page: Page): string[] {
  const tokens: string[] = [];
  page.on('response', (response) => {
    if (!/\/auth\/(refresh|email\/verify|passkeys\/(login|register)\/verify)$/.test(new URL(response.url()).pathname))
      return;
    response
      .json()
      .then((body: { accessToken?: unknown }) => {
        if (typeof body?.accessToken === 'string') tokens.push(body.accessToken);
      })
      .catch(() => {});
  });
  return tokens;
}

/** The refresh cookie as the browser holds it (undefined when there is none). */
export async function refreshCookie(context: BrowserContext, origin: string) {
  const cookies = await context.cookies(origin);
  return cookies.find((c) => c.name === '__Host-sesame_refresh');
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core run in the page (injected through evaluate, which the page's CSP does not govern). */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            context?: unknown,
            options?: unknown,
          ): Promise<{
            violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
}

/**
 * Writes <name>-desktop.png (1280×800) and <name>-phone.png (390×844), full page, in the light
 * scheme, and the same with `-dark` in the dark one; returns the paths.
 */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const original = page.viewportSize();
  const written: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [label, size] of [
      ['desktop', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      await page.setViewportSize(size);
      // Let layout settle after the resize (fonts are local; there is no animation to wait for).
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const file = path.join(SCREENSHOT_DIR, `${name}-${label}${scheme === 'dark' ? '-dark' : ''}.png`);
      await page.screenshot({ path: file, fullPage: true });
      const stat = fs.statSync(file);
      if (stat.size < 2_000) throw new Error(`screenshot ${file} is suspiciously small (${stat.size} bytes)`);
      written.push(file);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  if (original) await page.setViewportSize(original);
  return written;
}

export interface ApiCall {
  method: string;
  path: string;
  status: number;
  /** Date.now() when the response arrived. */
  at: number;
}

/** Every response to /auth/* and /api/* the page gets, in order of arrival. */
export function recordApiCalls(page: Page): ApiCall[] {
  const calls: ApiCall[] = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (!/^\/(auth|api)\//.test(url.pathname) || response.request().resourceType() === 'document') return;
    calls.push({ method: response.request().method(), path: url.pathname, status: response.status(), at: Date.now() });
  });
  return calls;
}

/**
 * Installed in a context before its pages load: records every navigator.credentials.get call
 * (its mediation and how it ended) in window.__webauthn, and every h1 text and path the page
 * shows in window.__views, so a test can tell autofill from the button and prove that no
 * sign-in screen flashed by.
 */
export async function instrument(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as { __webauthn: unknown[]; __views: string[] };
    w.__webauthn = [];
    w.__views = [];
    const credentials = navigator.credentials;
    if (credentials) {
      const get = credentials.get.bind(credentials);
      credentials.get = (options?: CredentialRequestOptions) => {
        const entry: { mediation: string; state: string } = {
          mediation: options?.mediation ?? 'optional',
          state: 'pending',
        };
        w.__webauthn.push(entry);
        return get(options).then(
          (credential) => {
            entry.state = credential ? 'resolved' : 'null';
            return credential;
          },
          (error: unknown) => {
            entry.state = `rejected:${(error as Error)?.name}`;
            throw error;
          },
        );
      };
    }
    const record = () => {
      const h1 = document.querySelector('h1')?.textContent?.trim();
      const view = `${location.pathname} ${h1 ?? '(no h1)'}`;
      if (w.__views[w.__views.length - 1] !== view) w.__views.push(view);
    };
    new MutationObserver(record).observe(document, { subtree: true, childList: true, characterData: true });
  });
}

export interface WebAuthnCall {
  mediation: string;
  state: string;
}
export const webauthnCalls = (page: Page) =>
  page.evaluate(() => (window as unknown as { __webauthn: WebAuthnCall[] }).__webauthn);
/**
 * Waits until the page's passkey autofill request is pending (the context must be `instrument`ed).
 * A button click then aborts it and makes the one modal request; without this wait, presence
 * turned on while the page is still fetching its options lets the autofill sign in first.
 */
export async function autofillPending(page: Page, timeout = 15_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const calls = (window as unknown as { __webauthn?: WebAuthnCall[] }).__webauthn;
      const last = calls?.[calls.length - 1];
      return last?.mediation === 'conditional' && last.state === 'pending';
    },
    undefined,
    { timeout },
  );
}
export const viewsSeen = (page: Page) => page.evaluate(() => (window as unknown as { __views: string[] }).__views);

/** From the sign-in page: asks for an email, reads it from the SMTP server; returns that message. */
export async function requestEmail(page: Page, s: E2EServer, email: string): Promise<CapturedMail> {
  const before = s.smtp.received.length;
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Email me a link' }).click();
  await heading(page, 'Check your email').waitFor();
  await page.getByText(email, { exact: true }).waitFor();
  return s.mailTo(email, before);
}

/** A full sign-in by emailed code on a fresh page of `context`, ending on the account page. */
export async function signInWithCode(context: BrowserContext, s: E2EServer, email: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(s.origin);
  await expectSignInPage(page);
  const mail = await requestEmail(page, s, email);
  await page.getByLabel('Six-digit code').fill(mail.code);
  await page.getByRole('button', { name: 'Verify code' }).click();
  await page.getByRole('button', { name: 'Not now' }).click();
  await expectAccountPage(page, email);
  return page;
}

/**
 * Verify-first sign-up on `page` (at the sign-in page): "Create an account", the code read from
 * SMTP, then the passkey offer accepted; ends on the account page with one passkey.
 */
export async function signUpWithPasskey(page: Page, s: E2EServer, email: string): Promise<CapturedMail> {
  const before = s.smtp.received.length;
  await page.getByRole('button', { name: 'Create an account' }).click();
  await heading(page, 'Create your account').waitFor();
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await heading(page, 'Check your email').waitFor();
  const mail = await s.mailTo(email, before);
  await page.getByLabel('Six-digit code').fill(mail.code);
  await page.getByRole('button', { name: 'Verify code' }).click();
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await expectAccountPage(page, email);
  return mail;
}
