/**
 * node:crypto versions of crypto.ts's hash and seal, byte-for-byte compatible with the WebCrypto
 * ones (a test checks both ways), passed in deps (deps.crypto) by the Node entry. Node only.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import { base64UrlToBytes, bytesToBase64Url } from '../lib/encoding.js';
import { randomBytes, type CryptoPrimitives } from '../lib/crypto.js';

const EMPTY_SALT = new Uint8Array(0);
const EXPAND_BLOCK_1 = new Uint8Array([1]);

/**
 * HKDF-SHA-256 with an empty salt and 32 bytes of output (RFC 5869), as two HMACs: extract
 * (HMAC keyed with the salt, zero bytes) then one expand block (info || 0x01). Byte for byte
 * WebCrypto's deriveBits, at half the cost of node's hkdfSync (which builds a KeyObject each call).
 */
export const hkdfKey = (secret: string, info: string): Buffer => {
  const prk = createHmac('sha256', EMPTY_SALT).update(secret, 'utf8').digest();
  return createHmac('sha256', prk).update(info, 'utf8').update(EXPAND_BLOCK_1).digest();
};

export const nodeCryptoPrimitives = {
  sha256: (input) => createHash('sha256').update(input).digest('base64url'),
  hmacSha256: (key, input) => createHmac('sha256', key).update(input, 'utf8').digest('base64url'),
  seal(secret, info, plaintext) {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', hkdfKey(secret, info), iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${bytesToBase64Url(iv)}.${bytesToBase64Url(ct)}`;
  },
  unseal(secret, info, box) {
    const [ivText, ctText] = box.split('.');
    const iv = ivText ? base64UrlToBytes(ivText) : null;
    const ct = ctText ? base64UrlToBytes(ctText) : null;
    // A box that is not ours (wrong shape, short tag, wrong key) opens to nothing.
    if (!iv || !ct || iv.length !== 12 || ct.length < 16) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', hkdfKey(secret, info), iv);
      decipher.setAuthTag(ct.subarray(ct.length - 16));
      return Buffer.concat([decipher.update(ct.subarray(0, ct.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  },
} satisfies CryptoPrimitives;
