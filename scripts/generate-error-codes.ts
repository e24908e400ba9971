/**
 * Writes packages/client/src/browser/api-error-codes.ts from the server's one list of error codes
 * (src/auth/errors.ts), so the published client never drifts from the server.
 * Run: npm run generate:error-codes   (test/error-codes.test.ts checks the file is current)
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AUTH_ERROR_CODES } from '../src/auth/errors.js';

export const CLIENT_CODES_FILE = fileURLToPath(
  new URL('../packages/client/src/browser/api-error-codes.ts', import.meta.url),
);

export function renderClientCodes(codes: readonly string[]): string {
  return `/**
 * The error codes the Sesame server sends, generated from the server's list (src/auth/errors.ts)
 * by \`npm run generate:error-codes\`. Do not edit by hand: test/error-codes.test.ts fails when this
 * file and the server's list differ.
 */
export const API_ERROR_CODES = [
${codes.map((code) => `  '${code}',`).join('\n')}
] as const;
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(CLIENT_CODES_FILE, renderClientCodes(AUTH_ERROR_CODES));
  console.log(`wrote ${AUTH_ERROR_CODES.length} codes to ${CLIENT_CODES_FILE}`);
}
