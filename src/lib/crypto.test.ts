import { describe, expect, it } from 'vitest';
import { generateId, generateToken, randomBytes } from './crypto.js';

describe('randomBytes (a pool of the CSPRNG)', () => {
  it('hands out the asked length, never the same bytes twice, across refills of the pool', () => {
    const seen = new Set<string>();
    // 3,000 × 24 bytes is about 18 refills of the 4 KiB pool.
    for (let i = 0; i < 3000; i++) {
      const bytes = randomBytes(24);
      expect(bytes).toHaveLength(24);
      seen.add(Buffer.from(bytes).toString('hex'));
    }
    expect(seen.size).toBe(3000);
  });

  it('gives a copy: what was handed out stays as it was through refills of the pool', () => {
    const a = randomBytes(16);
    const kept = Buffer.from(a).toString('hex');
    // More than the pool holds: it refills, and must not write into bytes already handed out.
    for (let i = 0; i < 40; i++) randomBytes(200);
    expect(Buffer.from(a).toString('hex')).toBe(kept);
    expect(a.some((x) => x !== 0)).toBe(true);
  });

  it('refuses a length that is not a whole number of bytes', () => {
    for (const bad of [Number.NaN, -4, 2.5, Number.POSITIVE_INFINITY])
      expect(() => randomBytes(bad)).toThrow(RangeError);
    expect(randomBytes(8)).toHaveLength(8);
  });

  it('serves lengths larger than the pool', () => {
    const big = randomBytes(10_000);
    expect(big).toHaveLength(10_000);
    // 10,000 random bytes take far more than a handful of values.
    expect(new Set(big).size).toBeGreaterThan(200);
  });

  it('looks uniform: every byte value turns up in 256 KiB, none far off its share', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 64; i++) for (const x of randomBytes(4096)) counts[x]!++;
    // Expected 1,024 each; a binomial with sd 32, so ±300 is about 9 sd.
    expect(Math.min(...counts)).toBeGreaterThan(724);
    expect(Math.max(...counts)).toBeLessThan(1324);
  });

  it('ids and tokens have their lengths (128 and 256 bits) and differ', () => {
    expect(generateId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(generateToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateId()).not.toBe(generateId());
  });
});
