import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { buildMimeMessage, parseMailbox } from './mime.js';

describe('buildMimeMessage', () => {
  it('builds a message a real parser reads back exactly', async () => {
    const raw = buildMimeMessage({
      from: 'Sésame Team <no-reply@example.com>',
      to: 'ada@example.com',
      subject: 'Your sign-in link — ünïcode',
      text: 'Code: 123456\nhttps://auth.example.com/auth/email/verify?token=abc',
      html: '<p>Code: <b>123456</b></p>',
      messageId: 'abc123',
      date: new Date('2026-01-02T03:04:05Z'),
    });
    expect(raw).not.toMatch(/[^\r]\n/);
    const parsed = await simpleParser(raw);
    expect(parsed.from?.value).toEqual([{ address: 'no-reply@example.com', name: 'Sésame Team' }]);
    expect((parsed.to as { value: unknown[] }).value).toEqual([{ address: 'ada@example.com', name: '' }]);
    expect(parsed.subject).toBe('Your sign-in link — ünïcode');
    expect(parsed.text?.trim()).toBe('Code: 123456\nhttps://auth.example.com/auth/email/verify?token=abc');
    expect(parsed.html).toContain('<b>123456</b>');
    expect(parsed.messageId).toBe('<abc123@example.com>');
  });

  it('cannot be split by a CR/LF in the subject or recipient', async () => {
    const raw = buildMimeMessage({
      from: 'a@example.com',
      to: 'b@example.com\r\nBcc: c@evil.example',
      subject: 'Hi\r\nBcc: d@evil.example',
      text: 't',
      html: 'h',
      messageId: 'x',
    });
    const parsed = await simpleParser(raw);
    expect(parsed.bcc).toBeUndefined();
    expect(raw).not.toMatch(/^Bcc:/m);
  });

  it('reads MAIL_FROM forms and refuses what is not a mailbox', () => {
    expect(parseMailbox('Sesame <no-reply@localhost>')).toEqual({ name: 'Sesame', address: 'no-reply@localhost' });
    expect(parseMailbox('no-reply@example.com')).toEqual({ name: null, address: 'no-reply@example.com' });
    expect(() => parseMailbox('not a mailbox')).toThrow(/MAIL_FROM/);
  });
});
