/**
 * DKIM: the message the SMTP sink received over a real SMTP conversation is signed by nodemailer
 * with DKIM_DOMAIN / DKIM_SELECTOR / DKIM_PRIVATE_KEY, and a real DKIM verifier (mailauth), given
 * the DNS record the README asks for, says pass; a changed message fails.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error mailauth ships no types
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { parseConfig } from '../src/lib/config.js';
import { createSmtpMailer, type SmtpMailer } from '../src/mail/smtp.js';
import { startSmtpCapture, type SmtpCapture } from './helpers/smtp-capture.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const dnsRecord = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

let smtp: SmtpCapture | undefined;
let mailer: SmtpMailer | undefined;
afterEach(async () => {
  mailer?.close();
  await smtp?.close();
});

type DkimResult = { results: { status: { result: string }; signingDomain: string; selector: string }[] };
const verify = (raw: Buffer | string, record = dnsRecord): Promise<DkimResult> =>
  dkimVerify(raw, {
    // The TXT record the README tells operators to publish at <selector>._domainkey.<domain>.
    resolver: async (name: string, type: string) => {
      if (type === 'TXT' && name === 'sesame2026._domainkey.mail.example.com') return [[record]];
      throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
    },
  });

describe('DKIM', () => {
  it('signs what the SMTP server receives; the verifier passes it and fails a changed copy', async () => {
    smtp = await startSmtpCapture();
    // One-line PEM with literal \n, as environment files hold it.
    const config = parseConfig({
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}?ignoreTLS=true`,
      MAIL_FROM: 'Sesame <no-reply@mail.example.com>',
      DKIM_DOMAIN: 'mail.example.com',
      DKIM_SELECTOR: 'sesame2026',
      DKIM_PRIVATE_KEY: pem.trim().replace(/\n/g, '\\n'),
    });
    mailer = createSmtpMailer({ url: config.smtpUrl!, from: config.mailFrom, dkim: config.dkim });
    await mailer.send({
      to: 'ada@example.com',
      subject: 'Your sign-in link',
      text: 'Your code:\n123456\nhttps://mail.example.com/auth/email/verify?token=abc',
      html: '<p>Code 123456</p>',
    });
    const [received] = await smtp.waitFor(1);
    expect(received!.raw.toString()).toMatch(/^DKIM-Signature: .*d=mail\.example\.com/m);

    const result = await verify(received!.raw);
    expect(result.results).toHaveLength(1);
    expect(result.results[0]).toMatchObject({
      signingDomain: 'mail.example.com',
      selector: 'sesame2026',
      status: { result: 'pass' },
    });

    const tampered = received!.raw.toString().replace('123456', '654321');
    // mailauth reports a body-hash mismatch as neutral ("body hash did not verify"), a bad signature as fail.
    expect(['fail', 'neutral']).toContain((await verify(tampered)).results[0]!.status.result);
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'der' })
      .toString('base64');
    expect((await verify(received!.raw, `v=DKIM1; k=rsa; p=${otherKey}`)).results[0]!.status.result).toBe('fail');
  });

  it('refuses half a DKIM setting, and a signing domain that does not align with MAIL_FROM', () => {
    expect(() => parseConfig({ DKIM_DOMAIN: 'mail.example.com' })).toThrow(
      /DKIM needs all of .*missing DKIM_SELECTOR, DKIM_PRIVATE_KEY/,
    );
    expect(() =>
      parseConfig({
        MAIL_FROM: 'no-reply@other.example',
        DKIM_DOMAIN: 'mail.example.com',
        DKIM_SELECTOR: 's1',
        DKIM_PRIVATE_KEY: pem,
      }),
    ).toThrow(/DMARC will not align/);
    expect(() =>
      parseConfig({
        MAIL_FROM: 'no-reply@mail.example.com',
        DKIM_DOMAIN: 'mail.example.com',
        DKIM_SELECTOR: 's1',
        DKIM_PRIVATE_KEY: 'secret',
      }),
    ).toThrow(/PEM/);
    expect(
      parseConfig({
        MAIL_FROM: 'x <a@mail.example.com>',
        DKIM_DOMAIN: 'example.com',
        DKIM_SELECTOR: 's1',
        DKIM_PRIVATE_KEY: pem,
      }).dkim?.domainName,
    ).toBe('example.com');
  });
});
