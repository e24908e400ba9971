import { describe, expect, it } from 'vitest';
import { readCookie, REFRESH_COOKIE } from './cookies.js';

const tok = 'a'.repeat(43);

describe('readCookie', () => {
  it('finds the exact name among others', () => {
    expect(readCookie(`x=1; ${REFRESH_COOKIE}=${tok}; y=2`, REFRESH_COOKIE)).toBe(tok);
  });
  it('does not let a look-alike name shadow the real one', () => {
    const other = 'b'.repeat(43);
    expect(readCookie(`\u00a0${REFRESH_COOKIE}=${other}; ${REFRESH_COOKIE}=${tok}`, REFRESH_COOKIE)).toBe(tok);
    expect(readCookie(`\u00a0${REFRESH_COOKIE}=${other}`, REFRESH_COOKIE)).toBeNull();
    expect(readCookie(`__host-sesame_refresh=${other}`, REFRESH_COOKIE)).toBeNull();
  });
  it('refuses duplicates and values that are not our tokens', () => {
    expect(readCookie(`${REFRESH_COOKIE}=${tok}; ${REFRESH_COOKIE}=${tok}`, REFRESH_COOKIE)).toBeNull();
    expect(readCookie(`${REFRESH_COOKIE}="${tok}"`, REFRESH_COOKIE)).toBeNull();
    expect(readCookie(`${REFRESH_COOKIE}=short`, REFRESH_COOKIE)).toBeNull();
    // Self-describing tokens: session id, generation (no sign, no leading zero), nonce, tag.
    const v2 = `${'s'.repeat(22)}.12.${'n'.repeat(43)}.${'t'.repeat(22)}`;
    expect(readCookie(`${REFRESH_COOKIE}=${v2}`, REFRESH_COOKIE)).toBe(v2);
    for (const bad of [
      v2.replace('.12.', '.012.'),
      v2.replace('.12.', '.-1.'),
      `${v2}.x`,
      v2.slice(0, -1),
      v2.replace(/^s+/, ''),
    ]) {
      expect(readCookie(`${REFRESH_COOKIE}=${bad}`, REFRESH_COOKIE)).toBeNull();
    }
    expect(readCookie(undefined, REFRESH_COOKIE)).toBeNull();
  });
});
