import { describe, expect, it } from 'vitest';
import { hkdfSha256, webCryptoPrimitives as web } from '../lib/crypto.js';
import { hkdfKey, nodeCryptoPrimitives } from './crypto-node.js';

describe('node:crypto primitives', () => {
  it('hash exactly like WebCrypto', async () => {
    for (const input of ['', 'abc', 'x'.repeat(1000), new Uint8Array([0, 1, 255])]) {
      const expected = await web.sha256(input);
      expect(nodeCryptoPrimitives.sha256(input)).toBe(expected);
    }
  });

  it('HMAC exactly like WebCrypto', async () => {
    const key = new Uint8Array(32).map((_, i) => i * 7);
    for (const input of ['', 'link\u0000abc', 'ü'.repeat(100)]) {
      expect(nodeCryptoPrimitives.hmacSha256(key, input)).toBe(await web.hmacSha256(key, input));
    }
    expect(nodeCryptoPrimitives.hmacSha256(key, 'a')).not.toBe(
      nodeCryptoPrimitives.hmacSha256(
        key.map((b) => b ^ 1),
        'a',
      ),
    );
  });

  it('derive the seal key by HKDF-SHA-256 exactly (RFC 5869 test case 3, and WebCrypto on any text)', async () => {
    // Test case 3: IKM 22 bytes of 0x0b, no salt, no info; the first 32 bytes of its OKM.
    expect(hkdfKey('\x0b'.repeat(22), '').toString('hex')).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d',
    );
    for (const [secret, info] of [
      ['token-a', 'info'],
      ['ünïcødé ✓ 🔑', 'sesame successor v1'],
      ['', 'ü'],
    ] as const) {
      expect(hkdfKey(secret, info).toString('hex')).toBe(Buffer.from(await hkdfSha256(secret, info)).toString('hex'));
    }
  });

  it('seal and unseal interchangeably with WebCrypto', async () => {
    const byWeb = await web.seal('token-a', 'info', 'successor');
    expect(nodeCryptoPrimitives.unseal('token-a', 'info', byWeb)).toBe('successor');
    const byNode = nodeCryptoPrimitives.seal('token-a', 'info', 'successor');
    expect(await web.unseal('token-a', 'info', byNode)).toBe('successor');
    expect(nodeCryptoPrimitives.unseal('token-b', 'info', byNode)).toBeNull();
    expect(nodeCryptoPrimitives.unseal('token-a', 'other', byNode)).toBeNull();
    expect(nodeCryptoPrimitives.unseal('token-a', 'info', byNode.slice(0, -2))).toBeNull();
    expect(nodeCryptoPrimitives.unseal('token-a', 'info', 'garbage')).toBeNull();
  });
});
