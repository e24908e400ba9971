/**
 * End to end: silent refresh with ACCESS_TOKEN_TTL=2. After the access token expires, an API call
 * from the account page (renaming the passkey) still succeeds, renewed through the refresh cookie,
 * without any sign-in screen; a reload keeps the session; two tabs reloading at the same moment
 * both stay signed in, and both can call the API afterwards.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from './browser.js';
import {
  expectAccountPage,
  expectSignInPage,
  newEmail,
  recordApiCalls,
  signUpWithPasskey,
  viewsSeen,
  type ApiCall,
  TEST_TIMEOUT_MS,
} from './server.js';
import { useE2E } from './suite.js';

const TTL_SECONDS = 2;
/** Long enough for any token issued before it to have expired. */
const PAST_EXPIRY_MS = TTL_SECONDS * 1000 + 1200;

let context: BrowserContext;
let page: Page;
let calls: ApiCall[];
const email = newEmail('refresh');

const e2e = useE2E({ ACCESS_TOKEN_TTL: String(TTL_SECONDS) });

beforeAll(async () => {
  ({ context, page, calls } = await e2e.passkeyPage());
});

/** Renames the (only) passkey from the account page; returns the PATCH's status. */
async function renamePasskey(p: Page, name: string, log: ApiCall[]): Promise<number> {
  const before = log.length;
  await p.getByRole('button', { name: 'Rename' }).click();
  const input = p.getByLabel('Passkey name');
  await input.fill(name);
  await p.getByRole('button', { name: 'Save' }).click();
  await p.locator('.item-title', { hasText: name }).waitFor();
  const patch = log.slice(before).find((c) => c.method === 'PATCH' && c.path.startsWith('/auth/passkeys/'));
  expect(patch, 'the rename reached the API').toBeDefined();
  return patch!.status;
}

/** What happened on the wire between `from` and now, as "METHOD path status". */
const since = (log: ApiCall[], from: number) =>
  log
    .slice(from)
    .map((c) => `${c.method} ${c.path.replace(/\/auth\/passkeys\/[^/]+$/, '/auth/passkeys/:id')} ${c.status}`);

describe('silent refresh (ACCESS_TOKEN_TTL=2)', () => {
  it(
    'an API call after the token expired succeeds without a sign-in screen',
    async () => {
      await page.goto(e2e.s.origin);
      await expectSignInPage(page);
      await signUpWithPasskey(page, e2e.s, email);
      await page.getByRole('button', { name: 'Rename' }).waitFor();
      const viewsBefore = (await viewsSeen(page)).length;

      await page.waitForTimeout(PAST_EXPIRY_MS);
      const mark = calls.length;
      expect(await renamePasskey(page, 'Work laptop', calls)).toBe(200);

      // The client renewed the token (ahead of the call, or after one 401) and never signed out.
      const wire = since(calls, mark);
      expect(wire).toContain('POST /auth/refresh 200');
      expect(wire.indexOf('POST /auth/refresh 200')).toBeLessThan(wire.lastIndexOf('PATCH /auth/passkeys/:id 200'));
      expect(wire.filter((c) => c.startsWith('POST /auth/refresh') && !c.endsWith(' 200'))).toEqual([]);
      // No other view was shown meanwhile: still the account page, and nothing else came and went.
      expect((await viewsSeen(page)).slice(viewsBefore)).toEqual([]);
      expect(new URL(page.url()).pathname).toBe('/account');
      await expectAccountPage(page, email);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a reload after expiry keeps the session',
    async () => {
      await page.waitForTimeout(PAST_EXPIRY_MS);
      const mark = calls.length;
      await page.reload();
      await expectAccountPage(page, email);
      await page.locator('.item-title', { hasText: 'Work laptop' }).waitFor();
      expect(since(calls, mark)).toContain('POST /auth/refresh 200');
      // The page went straight from the shell to the account page.
      expect((await viewsSeen(page)).filter((v) => v.includes('Sign in to Sesame'))).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'two tabs reloading at the same moment after expiry both stay signed in',
    async () => {
      const second = await context.newPage();
      const secondCalls = recordApiCalls(second);
      await second.goto(`${e2e.s.origin}/account`);
      await expectAccountPage(second, email);

      await page.waitForTimeout(PAST_EXPIRY_MS);
      const [markA, markB] = [calls.length, secondCalls.length];
      await Promise.all([page.reload(), second.reload()]);
      await Promise.all([expectAccountPage(page, email), expectAccountPage(second, email)]);
      for (const p of [page, second]) {
        expect((await viewsSeen(p)).filter((v) => v.includes('Sign in to Sesame'))).toEqual([]);
      }
      const refreshes = [...since(calls, markA), ...since(secondCalls, markB)].filter((c) =>
        c.startsWith('POST /auth/refresh'),
      );
      expect(refreshes.length).toBeGreaterThanOrEqual(1);
      expect(
        refreshes.every((c) => c.endsWith(' 200')),
        refreshes.join(', '),
      ).toBe(true);

      // The session survived the race: once the tokens expire again, each tab still renews and calls.
      await page.waitForTimeout(PAST_EXPIRY_MS);
      const [againA, againB] = [calls.length, secondCalls.length];
      const [statusA, statusB] = await Promise.all([
        renamePasskey(page, 'Tab A', calls),
        renamePasskey(second, 'Tab B', secondCalls),
      ]);
      expect([statusA, statusB]).toEqual([200, 200]);
      for (const wire of [since(calls, againA), since(secondCalls, againB)]) {
        expect(wire.filter((c) => c.startsWith('POST /auth/refresh') && !c.endsWith(' 200'))).toEqual([]);
      }
      await Promise.all([expectAccountPage(page, email), expectAccountPage(second, email)]);
      await second.close();
    },
    TEST_TIMEOUT_MS,
  );
});
