/**
 * A small populated world for the fuzz properties: an account with a passkey (added through HTTP,
 * with the soft authenticator, as a browser adds it after the address is proved), a verified account, and a live emailed code, with helpers
 * that hand out a live Bearer token, session id or refresh cookie at the moment a run needs one
 * (a run may have signed the previous one out).
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { expect } from 'vitest';
import { createHarness, refreshCookieOf, type Harness, type IssuedSession } from '../helpers/harness.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

/** An app origin on RP_ID's domain (localhost), as APP_ORIGINS requires. */
export const CORS_ORIGIN = 'https://app.localhost';

export type Who = 'pk' | 'verified';

export interface World {
  h: Harness;
  publicUrl: string;
  /** Holds the passkey of the 'pk' account. */
  device: SoftAuthenticator;
  emails: Record<Who, string>;
  /** Credential id of the 'pk' account's passkey. */
  passkeyId: string;
  /** An address with a live emailed code (wrong guesses count against it). */
  codeEmail: string;
  session(who: Who): Promise<IssuedSession>;
  bearer(who: Who): Promise<string>;
  close(): Promise<void>;
}

/** HARDENING_DRIVER=d1 runs the same properties against a real D1 (workerd) instead of the SQLite file. */
const DRIVER = process.env.HARDENING_DRIVER === 'd1' ? 'd1' : 'better-sqlite3';

export async function createWorld(env: Record<string, string> = {}): Promise<World> {
  const h = await createHarness({ driver: DRIVER, env: { CORS_ORIGINS: CORS_ORIGIN, ...env } });
  const publicUrl = h.config.publicUrl;
  const device = new SoftAuthenticator();
  const emails: Record<Who, string> = { pk: 'passkey-owner@example.com', verified: 'verified@example.com' };

  // The passkey account: the address proved (the harness's sign-in), then a passkey added the way a browser adds it.
  const owner = await h.signIn(emails.pk);
  const options = (await (
    await h.request('/auth/passkeys/register/options', { body: {}, token: owner.accessToken })
  ).json()) as PublicKeyCredentialCreationOptionsJSON;
  const registration = device.createCredential({ options, origin: publicUrl });
  const added = await h.request('/auth/passkeys/register/verify', {
    body: { response: registration },
    token: owner.accessToken,
  });
  expect(added.status).toBe(201);
  const codeEmail = 'code-holder@example.com';
  expect((await h.request('/auth/email/start', { body: { email: codeEmail } })).status).toBe(202);

  const sessions = new Map<Who, IssuedSession>();
  async function session(who: Who): Promise<IssuedSession> {
    const current = sessions.get(who);
    if (current) {
      const [row] = await h.all('SELECT revoked_at FROM sessions WHERE id = ?', current.session.id);
      if (row && row.revoked_at === null) return current;
    }
    // Through the domain's startSession (the harness's signIn): a new sign-in of the same account.
    const fresh = await h.signIn(emails[who]);
    sessions.set(who, fresh);
    return fresh;
  }

  return {
    h,
    publicUrl,
    device,
    emails,
    passkeyId: registration.id,
    codeEmail,
    session,
    bearer: async (who) => (await session(who)).accessToken,
    close: () => h.close(),
  };
}

/** Fresh registration options and the soft authenticator's response to them (not yet sent). */
export async function freshRegistration(
  w: World,
  mode: { bearer: string },
  device = new SoftAuthenticator(),
): Promise<RegistrationResponseJSON> {
  const res = await w.h.request('/auth/passkeys/register/options', { body: {}, token: mode.bearer });
  expect(res.status).toBe(200);
  const options = (await res.json()) as PublicKeyCredentialCreationOptionsJSON;
  return device.createCredential({ options, origin: w.publicUrl });
}

/** Fresh sign-in options and the 'pk' passkey's assertion for them (not yet sent). */
export async function freshAssertion(w: World): Promise<AuthenticationResponseJSON> {
  const res = await w.h.request('/auth/passkeys/login/options', { body: {} });
  expect(res.status).toBe(200);
  const options = (await res.json()) as PublicKeyCredentialRequestOptionsJSON;
  return w.device.getAssertion({ options, origin: w.publicUrl, credentialId: w.passkeyId });
}

export { refreshCookieOf };
