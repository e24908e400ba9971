/**
 * fast-check arbitraries for hostile input. Values that need the running app (a live token, a
 * credential id) are generated as symbols and resolved at run time by the property.
 */
import fc from 'fast-check';
import type { CborValue } from '../helpers/cbor.js';

/** Strings that have broken parsers, normalisers and loggers before. */
export const NASTY = [
  '',
  ' ',
  '\u0000',
  '\u0007',
  '\t',
  '\r\n',
  '\u0085',
  '\u2028',
  '\u202e',
  '\u2066',
  '\ufeff',
  '\u00a0',
  '\ud800',
  '\udfff',
  'a\ud83d',
  '\ude00b',
  'İ',
  'ß',
  'ﬀ',
  'Å',
  '😀',
  '👩‍👩‍👧',
  '../',
  '..%2f',
  '%00',
  '%',
  '%zz',
  '<script>alert(1)</script>',
  '"',
  '\\',
  "'",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder as literal input is the point
  '${x}',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e400',
  '__proto__',
  'constructor',
  '{}',
  '[]',
  '=?utf-8?q?x?=',
  'a@b',
  '@',
  'x@example.com',
  'ADA@EXAMPLE.COM',
  'ada@exa\u0000mple.com',
  'ada@ｅｘａｍｐｌｅ.com',
  'ada+tag@example.com',
  '"a b"@example.com',
  'ada@[127.0.0.1]',
  'ada@xn--80ak6aa92e.com',
  '012345',
  '١٢٣٤٥٦',
  '12345\u0000',
];

export const nasty = fc.constantFrom(...NASTY);

/** Unicode of every kind, control characters, lone surrogates and the strings above, mixed. */
export const unicodeString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 48 }),
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.string({ unit: 'binary-ascii', maxLength: 48 }),
  nasty,
  fc
    .array(fc.oneof(nasty, fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 6 })
    .map((parts) => parts.join('')),
);

/** Up to and well past the 64 KiB body limit (one char repeated; multi-byte chars count 2 to 4 bytes). */
export const hugeString: fc.Arbitrary<string> = fc
  .record({
    unit: fc.constantFrom('a', 'é', '€', '😀', '\u0000', '=', 'A'),
    n: fc.integer({ min: 1024, max: 80 * 1024 }),
  })
  .map(({ unit, n }) => unit.repeat(n));

export const weirdString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: unicodeString },
  { weight: 1, arbitrary: hugeString },
);

/** Any JSON value, biased towards the types a schema gets wrong. */
export const garbage: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  weirdString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, true, false, 0, -1, 2 ** 53 + 1, 1e308, -1e-308),
  fc.array(weirdString, { maxLength: 3 }),
  fc.dictionary(unicodeString, weirdString, { maxKeys: 3 }),
  fc.integer({ min: 1, max: 200 }).map((n) => {
    // Deep nesting as a value.
    let v: unknown = 'x';
    for (let i = 0; i < n; i++) v = i % 2 ? [v] : { a: v };
    return v;
  }),
);

/** Raw request bodies sent as application/json: JSON of every shape, and text that is not JSON. */
export const rawJsonBody: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  { weight: 3, arbitrary: garbage.map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '{',
      '{}}',
      '{"a":1}garbage',
      '\ufeff{}',
      '{"email":"a@example.com","email":5}',
      '{"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{}}}',
      'null',
      '[]',
      '"{}"',
      '{}\u0000',
      '{"a":"\\ud800"}',
      '{"a":1e999999}',
      '{"a":-}',
      "{'a':1}",
      '{"a":undefined}',
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ n: fc.integer({ min: 1, max: 30_000 }), open: fc.constantFrom('[', '{"a":') })
      .map(({ n, open }) => (open === '[' ? '['.repeat(n) + ']'.repeat(n) : `${open.repeat(n)}1${'}'.repeat(n)}`)),
  },
);

// ---------------------------------------------------------------------------------------------
// Symbols resolved at run time

/** How a request authenticates. */
export type AuthChoice =
  | 'none'
  | 'pk'
  | 'verified'
  | 'twice'
  | 'garbage'
  | 'alg-none'
  | 'basic'
  | 'lowercase-scheme'
  | 'two-spaces'
  | 'empty'
  | 'trailing-junk';

export const authChoice: fc.Arbitrary<AuthChoice> = fc.constantFrom(
  'none',
  'pk',
  'verified',
  'twice',
  'garbage',
  'alg-none',
  'basic',
  'lowercase-scheme',
  'two-spaces',
  'empty',
  'trailing-junk',
);

const b64u = (s: string) => Buffer.from(s).toString('base64url');

/** The Authorization header values for a choice, given live tokens (several = the header sent several times). */
export function authHeaders(
  choice: AuthChoice,
  live: { pk: string; verified: string },
  junk: string,
): [string, string][] {
  switch (choice) {
    case 'none':
      return [];
    case 'pk':
      return [['authorization', `Bearer ${live.pk}`]];
    case 'verified':
      return [['authorization', `Bearer ${live.verified}`]];
    case 'twice':
      return [
        ['authorization', `Bearer ${live.verified}`],
        ['authorization', `Bearer ${live.pk}`],
      ];
    case 'garbage':
      return [['authorization', `Bearer ${b64u(junk)}.${b64u(junk + junk)}.${b64u('sig')}`]];
    case 'alg-none': {
      const [, payload] = live.verified.split('.');
      return [['authorization', `Bearer ${b64u(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${payload}.`]];
    }
    case 'basic':
      return [['authorization', `Basic ${Buffer.from('ada:hunter2').toString('base64')}`]];
    case 'lowercase-scheme':
      return [['authorization', `bearer ${live.verified}`]];
    case 'two-spaces':
      return [['authorization', `Bearer  ${live.verified}`]];
    case 'empty':
      return [['authorization', '']];
    case 'trailing-junk':
      return [['authorization', `Bearer ${live.verified}.x`]];
  }
}

/** A path parameter: a real id of the world, or hostile text (percent-encoded, or raw where a URL allows it). */
export type SegmentChoice =
  | { kind: 'passkey' }
  | { kind: 'session' }
  | { kind: 'encoded'; text: string }
  | { kind: 'raw'; text: string };

export const segmentChoice: fc.Arbitrary<SegmentChoice> = fc.oneof(
  fc.constant({ kind: 'passkey' as const }),
  fc.constant({ kind: 'session' as const }),
  fc
    .oneof(unicodeString, fc.string({ unit: 'grapheme-ascii', minLength: 1000, maxLength: 3000 }))
    .map((text) => ({ kind: 'encoded' as const, text })),
  fc
    .constantFrom(
      '%',
      '%zz',
      '%E0%A4%A',
      '%00',
      '..',
      '.',
      '%2e%2e',
      'a%2Fb',
      'a;b',
      'a,b',
      "a'b",
      'A'.repeat(1365),
      'A'.repeat(1364),
      '-_-',
      '~',
      '%F0%9F%98%80',
    )
    .map((text) => ({ kind: 'raw' as const, text })),
);

// ---------------------------------------------------------------------------------------------
// CBOR

/** Random CBOR values (the types the test encoder knows), for attestation objects and their parts. */
export const cborValue: fc.Arbitrary<CborValue> = fc.letrec<{ value: CborValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer(),
    fc.integer({ min: -(2 ** 31), max: -1 }),
    fc.string({ maxLength: 12 }),
    fc.uint8Array({ maxLength: 64 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc
      .array(
        fc.tuple(
          fc.oneof(fc.integer({ min: -8, max: 8 }), fc.constantFrom('fmt', 'attStmt', 'authData', 'alg', 'sig', 'x5c')),
          tie('value'),
        ),
        { maxLength: 4 },
      )
      .map((entries) => new Map<number | string, CborValue>(entries)),
  ),
})).value;

// ---------------------------------------------------------------------------------------------
// Byte-level mutations of base64url fields

export type ByteMutation =
  | { op: 'truncate'; at: number }
  | { op: 'append'; bytes: Uint8Array }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'random'; bytes: Uint8Array }
  | { op: 'text'; text: string };

/** `at` is a fraction of the length, so one mutation fits any field. */
export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  // Flips keep the field valid base64url of the same length, so they get past the shape checks.
  {
    weight: 3,
    arbitrary: fc
      .record({
        at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        bit: fc.integer({ min: 0, max: 7 }),
      })
      .map((m) => ({ op: 'flip' as const, ...m })),
  },
  fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }).map((at) => ({ op: 'truncate' as const, at })),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => ({ op: 'append' as const, bytes })),
  fc
    .record({ at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), bit: fc.integer({ min: 0, max: 7 }) })
    .map((m) => ({ op: 'flip' as const, ...m })),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ op: 'random' as const, bytes })),
  // Not base64url at all: padding, the standard alphabet, spaces, unicode, a length of 4n+1.
  fc
    .oneof(
      fc.constantFrom('=', 'AA==', 'ab+/', 'a b', 'A', 'AAAAA', '😀', '%41', '\u0000', 'AAAA\n', '-_-_-'),
      unicodeString,
      fc.base64String({ minLength: 4, maxLength: 64 }),
    )
    .map((text) => ({ op: 'text' as const, text })),
);

/** Applies a mutation to base64url text; returns base64url unless the mutation is 'text'. */
export function mutateB64url(value: string, m: ByteMutation): string {
  const bytes = new Uint8Array(Buffer.from(value, 'base64url'));
  const enc = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  switch (m.op) {
    case 'truncate':
      return enc(bytes.subarray(0, Math.floor(m.at * bytes.length)));
    case 'append':
      return enc(new Uint8Array([...bytes, ...m.bytes]));
    case 'flip': {
      if (bytes.length === 0) return enc(new Uint8Array([1 << m.bit]));
      const copy = Uint8Array.from(bytes);
      const i = Math.floor(m.at * copy.length);
      copy[i] = copy[i]! ^ (1 << m.bit);
      return enc(copy);
    }
    case 'random':
      return enc(m.bytes);
    case 'text':
      return m.text;
  }
}

// ---------------------------------------------------------------------------------------------
// Values shaped like what a field expects, but hostile

const label = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'abcxyz019-'), minLength: 1, maxLength: 12 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
  fc.constantFrom(
    'xn--80ak6aa92e',
    'ｅｘａｍｐｌｅ',
    'EXAMPLE',
    'a'.repeat(63),
    'a'.repeat(64),
    '-a',
    'a-',
    '',
    '例え',
    'ß',
    'ﬀ',
    '\u00a0',
    'localhost',
    '127.0.0.1',
  ),
);

/** Things that look like an address: unicode and quoted local parts, IDN, overlong labels, IP literals, trailing dots. */
export const emailish: fc.Arbitrary<string> = fc.oneof(
  fc
    .record({
      local: fc.oneof(
        label,
        fc.constantFrom(
          '"a b"',
          '"a\\"b"',
          'a..b',
          '.a',
          'a.',
          'a+tag',
          'ADA',
          'ада',
          'a'.repeat(64),
          'a'.repeat(65),
          '',
          '\u0000a',
        ),
      ),
      domain: fc.oneof(
        fc.array(label, { minLength: 1, maxLength: 5 }).map((ls) => ls.join('.')),
        fc.constantFrom('[127.0.0.1]', '[IPv6:::1]', 'example.com.', `${'a'.repeat(250)}.com`, 'EXAMPLE.COM'),
      ),
      at: fc.constantFrom('@', '@', '@', '@@', '＠'),
    })
    .map(({ local, domain, at }) => `${local}${at}${domain}`),
  nasty,
);

/** Per field name: values close to valid, so validation and the domain get past the first check. */
export const HINTS: Record<string, fc.Arbitrary<unknown>> = {
  email: emailish,
  code: fc.oneof(
    fc.stringMatching(/^\d{6}$/),
    fc.constantFrom('000000', '１２３４５６', '١٢٣٤٥٦', '12345', '1234567', ' 123456', '123456\n'),
  ),
  token: fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_-]{16,128}$/),
    fc.constantFrom('A'.repeat(15), 'A'.repeat(129), `${'A'.repeat(43)}=`),
  ),
  name: fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 70 }),
    fc.constantFrom(
      ' ',
      'a'.repeat(64),
      'a'.repeat(65),
      'é'.repeat(64),
      '😀'.repeat(33),
      'a\u202eb',
      'a\u0000b',
      '\u2028',
      'a\u200bb',
    ),
  ),
};
