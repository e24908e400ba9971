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
    expect(readCookie(undefined, REFRESH_COOKIE)).toBeNull();
  });
});
