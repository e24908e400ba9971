/**
 * One source for error codes: the client package's list is generated from the server's and must
 * match it exactly, so a code added on the server cannot be missing from the client's types.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_ERROR_CODES } from '../packages/client/src/browser/api-error-codes.js';
import { CLIENT_CODES_FILE, renderClientCodes } from '../scripts/generate-error-codes.js';
import { AUTH_ERROR_CODES } from '../src/auth/errors.js';

describe('error codes', () => {
  it('the client package lists exactly the server codes (run `npm run generate:error-codes` if not)', () => {
    expect([...API_ERROR_CODES]).toEqual(AUTH_ERROR_CODES);
  });

  it('the generated file is what the generator writes today', () => {
    expect(readFileSync(CLIENT_CODES_FILE, 'utf8')).toBe(renderClientCodes(AUTH_ERROR_CODES));
  });
});
