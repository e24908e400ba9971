import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { describe, expect, it } from 'vitest';
import { canonicalizeEmail, MAX_EMAIL_LENGTH } from './email-address.js';

// 64 + 1 + (63 + 1 + 63 + 1 + n) characters.
const longAddress = (lastLabelLength: number) =>
  `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(lastLabelLength)}`;
const address254 = longAddress(61);
const address255 = longAddress(62);
// Short enough as typed, too long once the domain is punycode.
const punycodeTooLong = `${'a'.repeat(64)}@${'ü'.repeat(40)}.${'ö'.repeat(40)}.${'ä'.repeat(40)}.${'é'.repeat(40)}.com`;

const accepted: Array<[input: string, canonical: string]> = [
  ['ada@example.com', 'ada@example.com'],
  ['Ada@Example.COM', 'ada@example.com'],
  ['ADA.LOVELACE@EXAMPLE.COM', 'ada.lovelace@example.com'],
  ['  ada@example.com  ', 'ada@example.com'],
  ['\u00a0ada@example.com\u2028', 'ada@example.com'],
  ['ada+tag@example.com', 'ada+tag@example.com'],
  ['a.d.a@gmail.com', 'a.d.a@gmail.com'],
  ["o'neil@example.ie", "o'neil@example.ie"],
  ["#!$%&'*+/?=^_`{|}~-@example.com", "#!$%&'*+/?=^_`{|}~-@example.com"],
  ['-leading-hyphen@example.com', '-leading-hyphen@example.com'],
  ['a@b.co', 'a@b.co'],
  ['user@sub.domain.example.co.uk', 'user@sub.domain.example.co.uk'],
  ['user@my-domain.example', 'user@my-domain.example'],
  ['user@123.example', 'user@123.example'],
  ['user@bücher.example', 'user@xn--bcher-kva.example'],
  ['user@BÜCHER.Example', 'user@xn--bcher-kva.example'],
  ['user@xn--bcher-kva.example', 'user@xn--bcher-kva.example'],
  ['user@faß.de', 'user@xn--fa-hia.de'],
  ['user@münchen.de', 'user@xn--mnchen-3ya.de'],
  ['user@例え.テスト', 'user@xn--r8jz45g.xn--zckzah'],
  ['user@ｅｘａｍｐｌｅ．com', 'user@example.com'],
  ['user@example。com', 'user@example.com'],
  [`${'x'.repeat(64)}@example.com`, `${'x'.repeat(64)}@example.com`],
  [`user@${'l'.repeat(63)}.com`, `user@${'l'.repeat(63)}.com`],
  [address254, address254],
  [address254.toUpperCase(), address254],
];

const refused: Array<[input: unknown, reason: RegExp]> = [
  [42, /must be a string/],
  [null, /must be a string/],
  [undefined, /must be a string/],
  [{}, /must be a string/],
  [['a@x.com'], /must be a string/],
  ['', /is empty/],
  ['   ', /is empty/],
  ['a@x.com,b@y.com', /single address/],
  ['a@x.com;b@y.com', /single address/],
  ['a@x.com, b@y.com', /single address/],
  ['"a@b"@x.com', /quoted/],
  ['"a b"@x.com', /quoted/],
  ['a@x.com\r\nBcc: c@y.com', /control characters/],
  ['a@x.com\n', /control characters/],
  ['\ta@x.com', /control characters/],
  ['a\u0000@x.com', /control characters/],
  ['a@x.com\u0085', /control characters/],
  ['a\u007f@x.com', /control characters/],
  ['Name <a@x.com>', /display name/],
  ['Name<a@x.com>', /display name/],
  ['<a@x.com>', /display name/],
  ['a b@x.com', /spaces/],
  ['a\u00a0b@x.com', /spaces/],
  ['a@x\u3000y.com', /spaces/],
  ['a@b@x.com', /exactly one @/],
  ['ax.com', /must contain an @/],
  ['@x.com', /before the @/],
  ['a@', /missing the domain/],
  ['a\\b@x.com', /backslash/],
  ['a(comment)@x.com', /parentheses/],
  ['a@x.com(comment)', /parentheses/],
  ['a@[127.0.0.1]', /IP address literal/],
  ['a@[IPv6:::1]', /IP address literal/],
  ['a@127.0.0.1', /IP address/],
  ['a@0x7f.1', /IP address/],
  ['a@localhost', /must contain a dot/],
  ['a@x', /must contain a dot/],
  ['.a@x.com', /start or end/],
  ['a.@x.com', /start or end/],
  ['a..b@x.com', /two dots/],
  ['a@.x.com', /dot/],
  ['a@x.com.', /dot/],
  ['a@x..com', /dot/],
  ['a@x。。com', /not a valid host name/],
  ['a@-x.com', /not a valid host name/],
  ['a@x-.com', /not a valid host name/],
  ['a@x_y.com', /character that is not allowed/],
  ['a@x.c%6fm', /character that is not allowed/],
  ['a@x.com:25', /character that is not allowed/],
  ['a@x.com/path', /character that is not allowed/],
  ['a@x.com?q', /character that is not allowed/],
  ['a@x.com#f', /character that is not allowed/],
  ['a@x.com&b', /character that is not allowed/],
  ['a@x／y.com', /not a valid domain name/],
  ['a@xn--zz.com', /not a valid domain name/],
  [`a@${'b'.repeat(64)}.com`, /longer than 63/],
  [`${'a'.repeat(65)}@x.com`, /longer than 64/],
  [address255, /longer than 254/],
  [punycodeTooLong, /longer than 254/],
  ['ädä@example.com', /non-ASCII/],
  ['пример@example.com', /non-ASCII/],
  ['a:b@x.com', /not allowed before the @/],
  ['group:a@x.com', /not allowed before the @/],
  ['=?utf-8?q?a?=@x.com', /=\?/],
  ['=?utf-8?B?YWJj?=@x.com', /=\?/],
];

/**
 * Sends `email` through nodemailer (stream transport) and reads the message back: the envelope
 * recipients, the raw To header, and the addresses mailparser finds in it. mailparser shows an
 * IDNA domain in Unicode, so its domains are turned back to ASCII for the comparison.
 */
async function roundTrip(email: string) {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
  const info = await transport.sendMail({
    from: 'no-reply@sesame.example',
    to: { name: '', address: email },
    envelope: { from: 'no-reply@sesame.example', to: [email] },
    subject: 's',
    text: 't',
  });
  const raw = (info.message as Buffer).toString('latin1');
  const parsed = await simpleParser(info.message as Buffer);
  const to = Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : [];
  const read = to.flatMap((object) =>
    object.value.map(({ address = '', name }) => {
      const at = address.lastIndexOf('@');
      return { name, address: `${address.slice(0, at)}@${new URL(`http://${address.slice(at + 1)}`).hostname}` };
    }),
  );
  return {
    envelopeTo: info.envelope.to,
    // Unfolded (RFC 5322 2.2.3): a long header continues on lines starting with whitespace.
    toHeaders: raw
      .split('\r\n\r\n')[0]
      ?.replace(/\r\n(?=[ \t])/g, '')
      .split('\r\n')
      .filter((line) => /^to:/i.test(line)),
    read,
  };
}

function expectRoundTripIntact(email: string, trip: Awaited<ReturnType<typeof roundTrip>>) {
  expect(trip.envelopeTo).toEqual([email]);
  expect(trip.toHeaders).toEqual([`To: ${email}`]);
  expect(trip.read).toEqual([{ name: '', address: email }]);
}

describe('canonicalizeEmail', () => {
  it('builds the corpus lengths it claims', () => {
    expect(address254).toHaveLength(254);
    expect(address255).toHaveLength(255);
    expect(punycodeTooLong.length).toBeLessThanOrEqual(MAX_EMAIL_LENGTH);
  });

  it.each(accepted)('accepts %j as %j', (input, canonical) => {
    expect(canonicalizeEmail(input)).toEqual({ ok: true, email: canonical });
  });

  it.each(refused)('refuses %j', (input, reason) => {
    const result = canonicalizeEmail(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('is idempotent on its own output', () => {
    for (const [, canonical] of accepted) {
      expect(canonicalizeEmail(canonical)).toEqual({ ok: true, email: canonical });
    }
  });
});

describe('agreement with nodemailer', () => {
  it.each(accepted)('nodemailer parses canonical %j as exactly that one address', (input) => {
    const result = canonicalizeEmail(input);
    if (!result.ok) throw new Error(result.reason);
    expect(addressparser(result.email, { flatten: true })).toEqual([{ name: '', address: result.email }]);
  });

  it('nodemailer puts exactly the canonical address in envelope and To header, and mailparser reads it back', async () => {
    for (const [input] of accepted) {
      const result = canonicalizeEmail(input);
      if (!result.ok) throw new Error(result.reason);
      expectRoundTripIntact(result.email, await roundTrip(result.email));
    }
  });

  it('the checks can fail: refused inputs are read differently', async () => {
    for (const input of ['a@x.com,b@y.com', 'Name <a@x.com>', 'a(c)@x.com']) {
      expect(addressparser(input, { flatten: true })).not.toEqual([{ name: '', address: input }]);
    }
    const encodedWord = '=?utf-8?B?YWJj?=@x.com';
    expect(addressparser(encodedWord, { flatten: true })).toEqual([{ name: '', address: encodedWord }]);
    expect((await roundTrip(encodedWord)).read).toEqual([{ name: '', address: 'abc@x.com' }]);
  });

  // Random strings over the characters that make parsers disagree: whatever we accept,
  // nodemailer must read as one address equal to ours.
  const tokens = [
    'a',
    'Z',
    '0',
    '9',
    '.',
    '.',
    '-',
    '_',
    '+',
    '@',
    '@',
    ' ',
    '"',
    '<',
    '>',
    ',',
    ';',
    ':',
    '(',
    ')',
    '[',
    ']',
    '\\',
    '\r',
    '\n',
    '\t',
    '\u0000',
    "'",
    '!',
    '#',
    '$',
    '%',
    '&',
    '*',
    '/',
    '=',
    '?',
    '^',
    '`',
    '{',
    '|',
    '}',
    '~',
    '=?',
    '?=',
    'ü',
    'ß',
    'ｅ',
    '。',
    '\u200b',
    '\u00ad',
    'xn--',
    'com',
  ];
  // Mostly harmless characters, so that a fair share of candidates is accepted and checked.
  const localAlphabet = [
    'a',
    'b',
    'Z',
    '0',
    '9',
    '.',
    '-',
    '_',
    '+',
    "'",
    '!',
    '#',
    '$',
    '%',
    '&',
    '*',
    '/',
    '=',
    '?',
    '^',
    '`',
    '{',
    '|',
    '}',
    '~',
  ];
  const domainAlphabet = ['a', 'b', 'Z', '0', '9', '-', '.', 'ü', 'ß', 'ｅ', '。', '\u00ad', 'xn--'];
  const word = (alphabet: string[], maxLength = 12) =>
    fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength }).map((parts) => parts.join(''));
  const noisy = word(tokens);
  const candidate = fc.oneof(
    noisy,
    fc.tuple(noisy, noisy).map(([local, domain]) => `${local}@${domain}.com`),
    fc.tuple(word(localAlphabet), word(domainAlphabet)).map(([local, domain]) => `${local}@${domain}.com`),
    fc
      .tuple(word(localAlphabet), word(domainAlphabet), word(['a', 'Z', 'ü', '-'], 4))
      .map(([local, domain, tld]) => `${local}@${domain}.${tld}`),
  );

  it('property: every accepted address is parsed by nodemailer as exactly itself', () => {
    let acceptedCount = 0;
    fc.assert(
      fc.property(candidate, (input) => {
        const result = canonicalizeEmail(input);
        if (!result.ok) return;
        acceptedCount++;
        expect(addressparser(result.email, { flatten: true })).toEqual([{ name: '', address: result.email }]);
        expect(canonicalizeEmail(result.email)).toEqual(result);
      }),
      { numRuns: 5000 },
    );
    // The generator must actually reach the accepting branch for the property to mean anything.
    expect(acceptedCount).toBeGreaterThan(100);
  });

  it('property: every accepted address survives a nodemailer -> mailparser round trip', async () => {
    await fc.assert(
      fc.asyncProperty(candidate, async (input) => {
        const result = canonicalizeEmail(input);
        if (!result.ok) return;
        expectRoundTripIntact(result.email, await roundTrip(result.email));
      }),
      { numRuns: 300 },
    );
  });
});

describe('mailboxOf', () => {
  it('counts a mailbox, not a spelling: +tags everywhere, dots and googlemail.com for Gmail', async () => {
    const { mailboxOf } = await import('./email-address.js');
    for (const spelling of [
      'bomb@gmail.com',
      'bomb+1@gmail.com',
      'b.omb@gmail.com',
      'bomb@googlemail.com',
      'b.o.m.b+x+y@googlemail.com',
    ]) {
      expect(mailboxOf(spelling), spelling).toBe('bomb@gmail.com');
    }
    expect(mailboxOf('a.b+news@example.com')).toBe('a.b@example.com');
    expect(mailboxOf('+only@example.com')).toBe('+only@example.com');
    expect(mailboxOf('ab@example.com')).not.toBe(mailboxOf('a.b@example.com'));
  });
});
