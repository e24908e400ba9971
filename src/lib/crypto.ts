/**
 * Secrets and hashes on WebCrypto (Node 20 and Workers alike).
 *
 * Every secret handed to a client has at least 128 random bits (we use 256); the database only
 * ever sees its SHA-256. Comparisons of secrets run in constant time.
 *
 * WebCrypto's async calls cost ~100 µs each on Node for a few bytes of work, so the hot paths
 * (every refresh hashes twice and seals once) take their hashing and sealing from deps
 * (`deps.crypto`, CryptoPrimitives): WebCrypto by default, node:crypto equivalents with identical
 * outputs from the Node entry (src/entry/crypto-node.ts). Nothing here is installed globally.
 */
import { base64UrlToBytes, bytesToBase64Url, utf8, type Base64URLString } from './encoding.js';

/**
 * Random bytes drawn from a 4 KiB buffer of the platform's CSPRNG, refilled when used up: a
 * getRandomValues call costs about 5 µs on Node whatever its size (3–7% of a sign-in's CPU with
 * one call per id, token and nonce), 4 KiB costs hardly more. Every byte is handed out once and
 * zeroed in the buffer as it leaves, so the buffer never holds a secret already given out.
 */
class RandomPool {
  private readonly buffer = new Uint8Array(4096);
  private offset = this.buffer.length;

  take(length: number): Uint8Array {
    // A bad length would move the offset backwards (zeroed bytes handed out) or make it NaN (empty ids).
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`randomBytes: bad length ${length}`);
    if (length > this.buffer.length) return crypto.getRandomValues(new Uint8Array(length));
    if (this.offset + length > this.buffer.length) {
      crypto.getRandomValues(this.buffer);
      this.offset = 0;
    }
    const out = this.buffer.slice(this.offset, this.offset + length);
    this.buffer.fill(0, this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
}

const pool = new RandomPool();

export function randomBytes(length: number): Uint8Array {
  return pool.take(length);
}

/** A 256-bit opaque token, base64url. */
export function generateToken(): Base64URLString {
  return bytesToBase64Url(randomBytes(32));
}

/** A random identifier for rows that are not secret but must not be guessable or ordered. */
export function generateId(): string {
  return bytesToBase64Url(randomBytes(16));
}

/** Hashing and sealing as the flows call them (deps.crypto): any implementation with these exact outputs. */
export interface CryptoPrimitives {
  sha256(input: string | Uint8Array): Base64URLString | Promise<Base64URLString>;
  hmacSha256(key: Uint8Array, input: string): Base64URLString | Promise<Base64URLString>;
  seal(secret: string, info: string, plaintext: string): string | Promise<string>;
  unseal(secret: string, info: string, box: string): string | null | Promise<string | null>;
}

export async function sha256(input: string | Uint8Array): Promise<Base64URLString> {
  const data = typeof input === 'string' ? utf8.encode(input) : input;
  return bytesToBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', data as BufferSource)));
}

const hmacKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

/** HMAC-SHA-256 of `input` under `key`, base64url. */
export async function hmacSha256(key: Uint8Array, input: string): Promise<Base64URLString> {
  // Keys are long-lived (one per use, loaded once): import each once rather than on every refresh.
  let k = hmacKeys.get(key);
  if (!k) {
    k = crypto.subtle.importKey('raw', key as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    hmacKeys.set(key, k);
  }
  return bytesToBase64Url(
    new Uint8Array(await crypto.subtle.sign('HMAC', await k, utf8.encode(input) as BufferSource)),
  );
}

/** 32 bytes derived from `secret` by HKDF-SHA-256 (empty salt), bound to `info`: one label per use of a secret. */
export async function hkdfSha256(secret: string, info: string): Promise<Uint8Array> {
  const base = await crypto.subtle.importKey('raw', utf8.encode(secret) as BufferSource, 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8.encode(info) as BufferSource },
    base,
    256,
  );
  return new Uint8Array(bits);
}

/** Constant-time equality of two strings (length leaks, content does not). */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** A uniformly random six-digit code (rejection sampling: no modulo bias). */
export function generateCode(): string {
  const buf = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buf);
    if (buf[0]! < 4_294_000_000) return String(buf[0]! % 1_000_000).padStart(6, '0');
  }
}

async function aesKey(secret: string, info: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', utf8.encode(secret) as BufferSource, 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8.encode(info) as BufferSource },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** AES-256-GCM under a key derived (HKDF-SHA-256) from `secret`, bound to `info`. Output: iv.ciphertext */
export async function seal(secret: string, info: string, plaintext: string): Promise<string> {
  const iv = randomBytes(12);
  const key = await aesKey(secret, info);
  const ct = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: iv as BufferSource },
      key,
      utf8.encode(plaintext) as BufferSource,
    ),
  );
  return `${bytesToBase64Url(iv)}.${bytesToBase64Url(ct)}`;
}

/** The inverse of seal; null when the secret is wrong or the box was tampered with. */
export async function unseal(secret: string, info: string, box: string): Promise<string | null> {
  const [ivText, ctText] = box.split('.');
  const iv = ivText ? base64UrlToBytes(ivText) : null;
  const ct = ctText ? base64UrlToBytes(ctText) : null;
  if (!iv || !ct) return null;
  try {
    const key = await aesKey(secret, info);
    return utf8.decode(
      new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: iv as BufferSource }, key, ct as BufferSource)),
    );
  } catch {
    return null;
  }
}

/** The WebCrypto implementations above, for deps on any runtime (the default). */
export const webCryptoPrimitives: CryptoPrimitives = { sha256, hmacSha256, seal, unseal };
