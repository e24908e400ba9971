import { afterEach, describe, expect, it } from 'vitest';
import { hmacSha256, installCryptoPrimitives, seal, sha256, unseal } from '../lib/crypto.js';
import { nodeCryptoPrimitives } from './crypto-node.js';

// crypto.ts's WebCrypto path, captured before the Node primitives are installed.
const web = { sha256, seal, unseal, hmacSha256 };

describe('node:crypto primitives', () => {
  afterEach(() => installCryptoPrimitives(null));

  it('hash exactly like WebCrypto', async () => {
    installCryptoPrimitives(null);
    for (const input of ['', 'abc', 'x'.repeat(1000), new Uint8Array([0, 1, 255])]) {
      const expected = await web.sha256(input);
      expect(nodeCryptoPrimitives.sha256(input)).toBe(expected);
    }
  });

  it('HMAC exactly like WebCrypto', async () => {
    installCryptoPrimitives(null);
    const key = new Uint8Array(32).map((_, i) => i * 7);
    for (const input of ['', 'link\u0000abc', 'ü'.repeat(100)]) {
      expect(nodeCryptoPrimitives.hmacSha256(key, input)).toBe(await web.hmacSha256(key, input));
    }
    expect(nodeCryptoPrimitives.hmacSha256(key, 'a')).not.toBe(nodeCryptoPrimitives.hmacSha256(key.map((b) => b ^ 1), 'a'));
  });

  it('seal and unseal interchangeably with WebCrypto', async () => {
    installCryptoPrimitives(null);
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
