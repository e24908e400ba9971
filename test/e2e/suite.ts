/**
 * The setup every browser test file shares: one Sesame server (startE2EServer) and one Chromium
 * for the file, started before its tests and stopped after them with every context opened
 * through it. Call `useE2E()` at the top of a test file; read `e2e.s` and `e2e.browser` inside
 * hooks and tests (they exist once the file's first beforeAll has run).
 */
import { afterAll, beforeAll } from 'vitest';
import type { BrowserContextOptions } from 'playwright-core';
import { addVirtualAuthenticator, launchBrowser, type Browser, type BrowserContext, type Page } from './browser.js';
import { instrument, newTestContext, recordApiCalls, startE2EServer, type ApiCall, type E2EServer } from './server.js';

export interface E2E {
  readonly s: E2EServer;
  readonly browser: Browser;
  /** A context closed after the file's tests (with newTestContext's timeouts). */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /**
   * A context instrumented for WebAuthn and views (`instrument`), one page in it with a virtual
   * authenticator, and the page's /auth and /api responses.
   */
  passkeyPage(options?: BrowserContextOptions): Promise<{
    context: BrowserContext;
    page: Page;
    authenticator: Awaited<ReturnType<typeof addVirtualAuthenticator>>;
    calls: ApiCall[];
  }>;
}

export function useE2E(env: Record<string, string> = {}): E2E {
  let server: E2EServer | undefined;
  let chromium: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the e2e ${what} is not started yet: use it inside hooks and tests`);
    return value;
  };

  beforeAll(async () => {
    server = await startE2EServer(env);
    chromium = await launchBrowser();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await chromium?.close();
    await server?.close();
  });

  const e2e: E2E = {
    get s() {
      return started(server, 'server');
    },
    get browser() {
      return started(chromium, 'browser');
    },
    async newContext(options) {
      const context = await newTestContext(e2e.browser, options);
      contexts.push(context);
      return context;
    },
    async passkeyPage(options) {
      const context = await e2e.newContext(options);
      await instrument(context);
      const page = await context.newPage();
      const authenticator = await addVirtualAuthenticator(page);
      return { context, page, authenticator, calls: recordApiCalls(page) };
    },
  };
  return e2e;
}
