/**
 * APP_ORIGINS (API.md, "Applications"): the apps' origins get credentialed CORS, and passkey
 * ceremonies made on them verify like those made on PUBLIC_URL; an app outside RP_ID's domain is
 * listed at /.well-known/webauthn (WebAuthn related origins). Anything else is refused with
 * nothing changed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { createHarness, refreshCookieOf, type Harness } from './helpers/harness.js';
import { SoftAuthenticator } from './helpers/soft-authenticator.js';

const APP = 'https://app.localhost';

let h: Harness;
afterEach(() => h?.close());

/**
 * Adds a passkey for a signed-in user, the ceremony running on `origin` (the clientData origin).
 * The HTTP calls carry no Origin header unless `sentFrom` is given (a server-side relay sends none).
 */
async function addPasskeyOn(
  origin: string,
  { device = new SoftAuthenticator(), sentFrom }: { device?: SoftAuthenticator; sentFrom?: string } = {},
) {
  const { accessToken } = await h.signIn('ada@example.com');
  const headers: Record<string, string> = sentFrom ? { origin: sentFrom } : {};
  const options = (await (
    await h.request('/auth/passkeys/register/options', { body: {}, token: accessToken, headers })
  ).json()) as PublicKeyCredentialCreationOptionsJSON;
  const response = device.createCredential({ options, origin });
  const res = await h.request('/auth/passkeys/register/verify', { body: { response }, token: accessToken, headers });
  return { res, device };
}

async function assertionOn(origin: string, device: SoftAuthenticator) {
  const options = (await (
    await h.request('/auth/passkeys/login/options', { body: {} })
  ).json()) as PublicKeyCredentialRequestOptionsJSON;
  return device.getAssertion({ options, origin });
}

const snapshot = async () => ({
  sessions: await h.all('SELECT id, revoked_at FROM sessions ORDER BY id'),
  passkeys: await h.all('SELECT id, counter, last_used_at FROM passkeys ORDER BY id'),
  challenges: await h.all('SELECT * FROM webauthn_challenges ORDER BY 1'),
});

describe('CORS for APP_ORIGINS', () => {
  it('answers a preflight from a listed app with credentials, and reflects no other origin', async () => {
    h = await createHarness({ env: { APP_ORIGINS: APP } });
    const preflight = (origin: string) =>
      h.request('/auth/refresh', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const ok = await preflight(APP);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    for (const origin of [
      'https://evil.localhost',
      'https://app.localhost.evil.example',
      'null',
      'https://APP.localhost',
      `${APP}:443`,
    ]) {
      const res = await preflight(origin);
      expect(res.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
    // The alias works the same.
    h.close();
    h = await createHarness({ env: { CORS_ORIGINS: APP } });
    expect((await preflight(APP)).headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('lets a listed app make a credentialed call, and refuses an unlisted one (403) before it does anything', async () => {
    h = await createHarness({ env: { APP_ORIGINS: APP } });
    const issued = await h.signIn('ada@example.com');
    const fromApp = await h.request('/auth/refresh', {
      body: {},
      cookie: issued.refreshToken,
      headers: { origin: APP, 'sec-fetch-site': 'same-site' },
    });
    expect(fromApp.status).toBe(200);
    expect(fromApp.headers.get('access-control-allow-origin')).toBe(APP);
    const next = refreshCookieOf(fromApp)!;
    const fromEvil = await h.request('/auth/refresh', {
      body: {},
      cookie: next,
      headers: { origin: 'https://evil.localhost', 'sec-fetch-site': 'same-site' },
    });
    expect(fromEvil.status).toBe(403);
    expect(fromEvil.headers.get('access-control-allow-origin')).toBeNull();
    // The cookie the refused call carried still works: nothing was rotated.
    expect((await h.request('/auth/refresh', { body: {}, cookie: next })).status).toBe(200);
  });
});

describe('passkeys on an app origin', () => {
  it('verifies a registration and an assertion made on an APP_ORIGINS origin', async () => {
    h = await createHarness({ env: { APP_ORIGINS: APP } });
    const { res, device } = await addPasskeyOn(APP, { sentFrom: APP });
    expect(res.status).toBe(201);
    const signIn = await h.request('/auth/passkeys/login/verify', {
      body: { response: await assertionOn(APP, device) },
      headers: { origin: APP },
    });
    expect(signIn.status).toBe(200);
    expect(((await signIn.json()) as { user: { email: string } }).user.email).toBe('ada@example.com');
    // And on PUBLIC_URL, as before.
    const onSesame = await h.request('/auth/passkeys/login/verify', {
      body: { response: await assertionOn(h.config.publicUrl, device) },
    });
    expect(onSesame.status).toBe(200);
  });

  it('refuses an assertion made on an unlisted origin with 401, changing nothing (its challenge still works from the app)', async () => {
    h = await createHarness({ env: { APP_ORIGINS: APP } });
    const { device } = await addPasskeyOn(APP);
    const options = (await (
      await h.request('/auth/passkeys/login/options', { body: {} })
    ).json()) as PublicKeyCredentialRequestOptionsJSON;
    for (const origin of ['https://evil.localhost', 'https://app.localhost:8443', 'http://app.localhost']) {
      const before = await snapshot();
      const res = await h.request('/auth/passkeys/login/verify', {
        body: { response: device.getAssertion({ options, origin }) },
      });
      expect(res.status, origin).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INVALID_CREDENTIAL');
      expect(await snapshot(), origin).toEqual(before);
    }
    const good = await h.request('/auth/passkeys/login/verify', {
      body: { response: device.getAssertion({ options, origin: APP }) },
    });
    expect(good.status).toBe(200);
  });

  it('refuses a registration made on an unlisted origin with 401, adding nothing', async () => {
    h = await createHarness({ env: { APP_ORIGINS: APP } });
    const before = await h.all('SELECT count(*) AS n FROM passkeys');
    const { res } = await addPasskeyOn('https://evil.localhost');
    expect(res.status).toBe(401);
    expect(await h.all('SELECT count(*) AS n FROM passkeys')).toEqual(before);
  });

  it('without APP_ORIGINS, an app origin is just another unlisted origin', async () => {
    h = await createHarness();
    const { device } = await addPasskeyOn(h.config.publicUrl);
    const res = await h.request('/auth/passkeys/login/verify', { body: { response: await assertionOn(APP, device) } });
    expect(res.status).toBe(401);
  });
});

describe('related origins (/.well-known/webauthn)', () => {
  it('is 404 while every app lies inside RP_ID', async () => {
    h = await createHarness({ env: { APP_ORIGINS: APP } });
    const res = await h.request('/.well-known/webauthn');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('lists PUBLIC_URL and every app when one lies outside RP_ID, and a ceremony there verifies', async () => {
    const other = 'https://notes.example.net';
    h = await createHarness({
      env: { PUBLIC_URL: 'https://login.example.com', APP_ORIGINS: `${other},https://app.login.example.com` },
    });
    const res = await h.request('/.well-known/webauthn');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      origins: ['https://login.example.com', other, 'https://app.login.example.com'],
    });

    // The browser checked the list; the server accepts the ceremony for RP_ID login.example.com made on the other site.
    const { res: added, device } = await addPasskeyOn(other, { sentFrom: other });
    expect(added.status).toBe(201);
    const signIn = await h.request('/auth/passkeys/login/verify', {
      body: { response: await assertionOn(other, device) },
      headers: { origin: other },
    });
    expect(signIn.status).toBe(200);
  });
});
