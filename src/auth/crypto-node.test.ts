import { afterEach, describe, expect, it } from 'vitest';
import { installCryptoPrimitives, seal, sha256, unseal } from './crypto.js';
import { nodeCryptoPrimitives } from './crypto-node.js';

// crypto.ts's WebCrypto path, captured before the Node primitives are installed.
const web = { sha256, seal, unseal };

describe('node:crypto primitives', () => {
  afterEach(() => installCryptoPrimitives(null));

  it('hash exactly like WebCrypto', async () => {
    installCryptoPrimitives(null);
    for (const input of ['', 'abc', 'x'.repeat(1000), new Uint8Array([0, 1, 255])]) {
      const expected = await web.sha256(input);
      expect(nodeCryptoPrimitives.sha256(input)).toBe(expected);
    }
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
