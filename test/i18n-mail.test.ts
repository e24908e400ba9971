/**
 * Mails in the person's language and with the operator's branding, through the real SMTP
 * transport to a real SMTP server: German by Accept-Language, the language picker's cookie over
 * Accept-Language, English for a language we do not have; PRODUCT_NAME and BRAND_COLOR in both parts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LOCALE_COOKIE } from '../src/i18n/locales.js';
import { createMailHarness, type MailHarness } from './helpers/smtp-capture.js';

let m: MailHarness | undefined;
afterEach(async () => {
  await m?.close();
  m = undefined;
});

const env = { PRODUCT_NAME: 'Acme ID', BRAND_COLOR: '#0f766e' };

async function mailFor(email: string, headers: Record<string, string>) {
  const before = m!.smtp!.received.length;
  expect((await m!.h.request('/auth/email/start', { body: { email }, headers })).status).toBe(202);
  await m!.settle();
  return (await m!.smtp!.waitFor(before + 1))[before]!;
}

describe('mail language and branding', () => {
  it('writes the sign-in mail in German for a German Accept-Language, with PRODUCT_NAME and the brand colour', async () => {
    m = await createMailHarness({ env });
    const got = await mailFor('ada@example.com', {
      'accept-language': 'de-DE,de;q=0.9,en;q=0.5',
      'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0',
    });
    expect(got.mail.subject).toBe('Bei Acme ID anmelden');
    const text = got.mail.text ?? '';
    expect(text).toContain('Jemand möchte sich als ada@example.com bei Acme ID anmelden.');
    expect(text).toMatch(/Angefordert von Firefox unter Windows am \d{1,2}\. \p{L}+ \d{4} um \d{2}:\d{2} UTC\./u);
    expect(text).toContain('Link und Code laufen in 10 Minuten ab und funktionieren nur einmal.');
    expect(text).toContain('Geben Sie diesen Code oder Link niemals weiter. Acme ID wird Sie nie danach fragen.');
    const html = String(got.mail.html);
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('background-color:#0f766e;color:#ffffff;');
    expect(`${got.mail.subject}\n${text}\n${html}`).not.toMatch(/Sesame|Sign in|expire/);
    // The German code signs in like any other.
    expect(
      (await m.h.request('/auth/email/verify', { body: { email: 'ada@example.com', code: got.code } })).status,
    ).toBe(201);
  });

  it('follows the language picker’s cookie over Accept-Language, and falls back to English', async () => {
    m = await createMailHarness({ env });
    const chosen = await mailFor('bob@example.com', { 'accept-language': 'de', cookie: `${LOCALE_COOKIE}=en` });
    expect(chosen.mail.subject).toBe('Sign in to Acme ID');
    const german = await mailFor('cy@example.com', { 'accept-language': 'en-US', cookie: `${LOCALE_COOKIE}=de` });
    expect(german.mail.subject).toBe('Bei Acme ID anmelden');
    const other = await mailFor('dee@example.com', { 'accept-language': 'fr-FR,fr;q=0.9' });
    expect(other.mail.subject).toBe('Sign in to Acme ID');
    expect(other.mail.text).toContain('The link and the code expire in 10 minutes');
  });

  it('writes a security notice in the language of the request that caused it', async () => {
    m = await createMailHarness({ env });
    const { accessToken } = await m.h.signIn('eve@example.com');
    const res = await m.h.request('/api/me', {
      method: 'DELETE',
      token: accessToken,
      headers: { 'accept-language': 'de-AT', 'user-agent': 'curl/8.5.0' },
    });
    expect(res.status).toBe(204);
    await m.settle();
    const [notice] = await m.smtp!.waitFor(1);
    expect(notice!.mail.subject).toBe('Ihr Konto bei Acme ID wurde gelöscht');
    expect(notice!.mail.text).toMatch(
      /Ihr Konto bei Acme ID \(eve@example\.com\) wurde am .+ UTC, von einem unbekannten Gerät gelöscht/,
    );
    expect(String(notice!.mail.html)).toContain('Falls nicht, wenden Sie sich an die Betreiber von Acme ID.');
  });
});
