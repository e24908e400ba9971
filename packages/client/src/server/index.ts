/**
 * @sesame/client/server: verify Sesame access tokens in your API (Node, Deno, Bun, Workers).
 *
 *   const verifier = createVerifier({ issuer: 'https://auth.example.com', audience: 'https://auth.example.com' });
 *   app.use('/api/*', sesameAuth(verifier));             // Hono
 *   const user = await verifier.verifyRequest(request);  // any fetch-style server
 */
export { bearerToken, createVerifier } from './create-verifier.js';
export type { AccessTokenAlgorithm, SesameUser, Verifier, VerifierOptions } from './create-verifier.js';
export { sesameAuth } from './hono-middleware.js';
export type { SesameAuthOptions, SesameEnv } from './hono-middleware.js';
export { isSesameTokenError, SesameTokenError, tokenErrorResponse } from './sesame-token-error.js';
export type { SesameTokenErrorCode } from './sesame-token-error.js';
