/**
 * End to end: one person signed in in two browsers (contexts A and B). B revokes A's session from
 * its account page; A, whose access token has not expired yet, is signed out at its very next
 * API call, and B stays signed in.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext } from './browser.js';
import {
  expectAccountPage,
  expectSignInPage,
  newEmail,
  recordApiCalls,
  refreshCookie,
  signInWithCode,
  TEST_TIMEOUT_MS,
} from './server.js';
import { useE2E } from './suite.js';

let contextA: BrowserContext;
let contextB: BrowserContext;
const email = newEmail('revoke');

const e2e = useE2E();

beforeAll(async () => {
  contextA = await e2e.newContext();
  contextB = await e2e.newContext();
});

const sessionItems = (page: import('playwright-core').Page) =>
  page.locator('section[aria-labelledby="sessions-heading"] .item');

describe('revoking a session from another browser', () => {
  it(
    'signs the revoked browser out at its next call, and only that one',
    async () => {
      const pageA = await signInWithCode(contextA, e2e.s, email);
      const pageB = await signInWithCode(contextB, e2e.s, email);
      const callsA = recordApiCalls(pageA);
      const callsB = recordApiCalls(pageB);

      // A, reloaded, sees both sessions too (and will try to use that list after being revoked).
      await pageA.reload();
      await expectAccountPage(pageA, email);
      await expect.poll(() => sessionItems(pageA).count()).toBe(2);
      await expect.poll(() => sessionItems(pageB).count()).toBe(2);

      // B revokes the one row that is not "This device": A's session.
      const rowOfA = sessionItems(pageB).filter({ hasNot: pageB.getByText('This device') });
      expect(await rowOfA.count()).toBe(1);
      await rowOfA.getByRole('button', { name: 'Revoke' }).click();
      await pageB.getByText(/^Signed out /).waitFor();
      await expect.poll(() => sessionItems(pageB).count()).toBe(1);
      expect(
        callsB.filter((c) => c.method === 'DELETE' && c.path.startsWith('/auth/sessions/')).map((c) => c.status),
      ).toEqual([204]);

      // A still shows its account page (nothing pushes to it). Its next call is refused, its refresh
      // too, and it lands on the sign-in page; the call it tried (revoking B) did not happen.
      const markA = callsA.length;
      await sessionItems(pageA).getByRole('button', { name: 'Revoke' }).click();
      await expectSignInPage(pageA);
      await pageA.getByText('You’re signed out.').waitFor();
      const wireA = callsA
        .slice(markA)
        .map((c) => `${c.method} ${c.path.replace(/\/auth\/sessions\/.+$/, '/auth/sessions/:id')} ${c.status}`);
      expect(wireA.slice(0, 2)).toEqual(['DELETE /auth/sessions/:id 401', 'POST /auth/refresh 401']);
      // After that only the sign-in page's own passkey-autofill request (no retry, no second DELETE).
      expect(wireA.slice(2).filter((c) => c !== 'POST /auth/passkeys/login/options 200')).toEqual([]);
      expect(await refreshCookie(contextA, e2e.s.origin)).toBeUndefined();

      // A reload does not bring A back.
      await pageA.reload();
      await expectSignInPage(pageA);

      // B is untouched: a reload (a refresh of its own cookie) keeps it on the account page.
      await pageB.reload();
      await expectAccountPage(pageB, email);
      await expect.poll(() => sessionItems(pageB).count()).toBe(1);
      expect(await sessionItems(pageB).getByText('This device').count()).toBe(1);
    },
    TEST_TIMEOUT_MS,
  );
});
