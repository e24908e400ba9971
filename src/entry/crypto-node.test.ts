import { describe, expect, it } from 'vitest';
import { webCryptoPrimitives as web } from '../lib/crypto.js';
import { nodeCryptoPrimitives } from './crypto-node.js';

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
