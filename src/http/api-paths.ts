/**
 * Which paths belong to the API rather than the front end. The asset layers (Node's static files,
 * the Workers assets binding) never answer them: an API path no route claims is the app's JSON 404,
 * in any spelling (`/AUTH//email/start` too), never the front end's index.html.
 */
import { normalisePath } from './rate-limit.js';

const API_PATH = /^\/(auth|api|admin|dev|metrics|\.well-known|openapi\.json|healthz)(\/|$)/;

export function isApiPath(path: string): boolean {
  return API_PATH.test(normalisePath(path));
}
