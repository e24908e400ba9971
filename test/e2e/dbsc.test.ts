/**
 * End to end: device-bound sessions in Debian's Chromium with DBSC switched on (software keys),
 * against the real Node server behind a TLS front (Chromium registers only on a trusted
 * certificate), with DBSC_COOKIE_TTL=4.
 * - Signing in offers DBSC and the browser registers by itself; the account page marks the session.
 * - The bound cookie expires; the next load refreshes through the DBSC challenge (403, then the
 *   proof) before /auth/refresh goes out, and the page stays signed in.
 * - The cookie copied into a fresh browser context (no key) works until DBSC_COOKIE_TTL, then 401;
 *   the owner's browser still renews.
 * - After signing out, the browser's renewal is refused and pages load as signed out.
 * - A browser launched without the DBSC switches keeps working on plain rotation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DBSC_SWITCHES, launchBrowser, trustCertificate, type Browser, type Page } from './browser.js';
import {
  expectAccountPage,
  expectSignInPage,
  newEmail,
  newTestContext,
  refreshCookie,
  signInWithCode,
  startE2EServer,
  TEST_TIMEOUT_MS,
  type E2EServer,
} from './server.js';

const TTL_SECONDS = 4;
/** Long enough for a cookie issued before it to be past DBSC_COOKIE_TTL. */
const PAST_TTL_MS = TTL_SECONDS * 1000 + 1500;

let s: E2EServer;
let dbscBrowser: Browser;
let plainBrowser: Browser;

beforeAll(async () => {
  s = await startE2EServer({ DBSC_COOKIE_TTL: String(TTL_SECONDS) }, { https: true });
  dbscBrowser = await launchBrowser({ args: [...DBSC_SWITCHES, trustCertificate(s.tls!.spki)] });
  plainBrowser = await launchBrowser({ args: [trustCertificate(s.tls!.spki)] });
});

afterAll(async () => {
  await dbscBrowser?.close();
  await plainBrowser?.close();
  await s?.close();
});

/** The server's request log from entry `from` on, as "METHOD path status". */
const requestsSince = (from: number) =>
  s.logs
    .slice(from)
    .filter((l) => l.msg === 'request')
    .map((l) => `${l.fields.method} ${l.fields.path} ${l.fields.status}`);

async function waitForRequest(from: number, line: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!requestsSince(from).includes(line)) {
    if (Date.now() > until) throw new Error(`no "${line}" in ${JSON.stringify(requestsSince(from))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** POST /auth/refresh from the page, as the front end does; the status and error code. */
const refreshFrom = (page: Page) =>
  page.evaluate(async () => {
    const res = await fetch('/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const body = (await res.json()) as { error?: { code: string } };
    return { status: res.status, code: body.error?.code ?? null };
  });

describe('device-bound sessions in Chromium (DBSC_COOKIE_TTL=4)', () => {
  it(
    'registers on sign-in, refreshes through the challenge once the cookie expires, and a copied cookie dies with the TTL',
    async () => {
      const context = await newTestContext(dbscBrowser);
      const email = newEmail('dbsc');
      const mark = s.logs.length;
      const page = await signInWithCode(context, s, email);
      // The sign-in's session response offered DBSC; Chromium registered its key by itself.
      await waitForRequest(mark, 'POST /auth/dbsc/register 200');
      const bound = await refreshCookie(context, s.origin);
      expect(bound, 'the registration set the bound cookie').toBeDefined();
      expect(bound!.expires * 1000 - Date.now()).toBeLessThanOrEqual(TTL_SECONDS * 1000 + 1000);

      // The bound cookie expires; the next load needs the session: DBSC refresh first, then the app's own refresh.
      await page.waitForTimeout(PAST_TTL_MS);
      const beforeReload = s.logs.length;
      await page.reload();
      await expectAccountPage(page, email);
      await page.getByText('Bound to device').first().waitFor();
      const wire = requestsSince(beforeReload).filter((l) => l.includes('/auth/'));
      expect(wire).toContain('POST /auth/dbsc/refresh 403');
      expect(wire).toContain('POST /auth/dbsc/refresh 200');
      expect(wire.indexOf('POST /auth/dbsc/refresh 200')).toBeLessThan(wire.indexOf('POST /auth/refresh 200'));
      expect(wire.filter((l) => / 401$/.test(l))).toEqual([]);

      // A thief copies the current cookie into a browser without the key, and keeps it as long as they like.
      // Its page is open first, and the owner's page refreshes just before the copy, so the copy is
      // used well within DBSC_COOKIE_TTL of its issue however slow the machine is.
      const thiefContext = await newTestContext(dbscBrowser);
      const thief = await thiefContext.newPage();
      await thief.goto(`${s.origin}/healthz`);
      expect(await refreshFrom(page)).toEqual({ status: 200, code: null });
      const stolen = (await refreshCookie(context, s.origin))!;
      const keep = async (value: string) =>
        thiefContext.addCookies([{ ...stolen, value, expires: Math.floor(Date.now() / 1000) + 3600 }]);
      await keep(stolen.value);
      // Within DBSC_COOKIE_TTL the copy still works (the window the TTL bounds)...
      expect(await refreshFrom(thief)).toEqual({ status: 200, code: null });
      await keep((await refreshCookie(thiefContext, s.origin))!.value);
      // ...and past it, it is refused: only the key could renew it.
      await thief.waitForTimeout(PAST_TTL_MS);
      expect(await refreshFrom(thief)).toEqual({ status: 401, code: 'DBSC_PROOF_REQUIRED' });

      // The owner's browser renews with its key and stays signed in.
      const ownerMark = s.logs.length;
      await page.reload();
      await expectAccountPage(page, email);
      expect(requestsSince(ownerMark)).toContain('POST /auth/dbsc/refresh 200');
      expect(requestsSince(ownerMark)).toContain('POST /auth/refresh 200');

      // Signing out ends it for good: the browser's renewal is refused, and pages keep loading.
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await expectSignInPage(page);
      await page.waitForTimeout(PAST_TTL_MS);
      const outMark = s.logs.length;
      await page.reload();
      await expectSignInPage(page);
      expect(
        requestsSince(outMark).filter((l) => l.startsWith('POST /auth/dbsc/refresh') && !/ 40[13]$/.test(l)),
      ).toEqual([]);
      await thiefContext.close();
      await context.close();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a browser without the DBSC switches keeps working on plain rotation',
    async () => {
      const context = await newTestContext(plainBrowser);
      const email = newEmail('plain');
      const mark = s.logs.length;
      const page = await signInWithCode(context, s, email);
      const cookie = await refreshCookie(context, s.origin);
      // No registration: the cookie keeps the session's lifetime, far beyond DBSC_COOKIE_TTL.
      expect(cookie!.expires * 1000 - Date.now()).toBeGreaterThan(3600_000);
      await page.waitForTimeout(PAST_TTL_MS);
      await page.reload();
      await expectAccountPage(page, email);
      expect(await refreshFrom(page)).toEqual({ status: 200, code: null });
      const wire = requestsSince(mark);
      expect(wire.filter((l) => l.includes('/auth/dbsc/'))).toEqual([]);
      expect(wire).toContain('POST /auth/refresh 200');
      expect(await page.getByText('Bound to device').count()).toBe(0);
      await context.close();
    },
    TEST_TIMEOUT_MS,
  );
});
