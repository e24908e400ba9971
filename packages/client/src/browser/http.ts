/**
 * The small HTTP layer under the auth client: JSON requests, and responses turned into values
 * or AuthErrors. Nothing here knows about tokens.
 */
import { AuthError, errorFromResponse } from './auth-error.js';

export type FetchFunction = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** RequestInit for a JSON call; a body is always sent as JSON, as the API requires. */
export function jsonInit({
  method,
  body,
  signal,
  credentials,
}: {
  method: HttpMethod;
  body?: unknown;
  signal?: AbortSignal | undefined;
  credentials?: RequestCredentials;
}): RequestInit {
  const init: RequestInit = { method, headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  if (signal) init.signal = signal;
  if (credentials) init.credentials = credentials;
  return init;
}

/** fetch, with a failure to get any answer turned into an AuthError (status 0). */
export async function send(fetchImpl: FetchFunction, input: RequestInfo | URL, init: RequestInit): Promise<Response> {
  try {
    return await fetchImpl(input, init);
  } catch (error) {
    throw networkError(error, init.signal ?? undefined);
  }
}

export function networkError(error: unknown, signal?: AbortSignal): AuthError {
  if (error instanceof AuthError) return error;
  const aborted = signal?.aborted === true && (signal.reason as { name?: string } | undefined)?.name !== 'TimeoutError';
  return new AuthError({
    status: 0,
    code: aborted ? 'ABORTED' : 'NETWORK_ERROR',
    message: aborted ? 'The request was aborted' : 'Could not reach the sign-in service',
    cause: error,
  });
}

/** The JSON body of a successful response (undefined for 204), or the AuthError it carries. */
export async function readJson<T>(response: Response): Promise<T> {
  if (!response.ok) throw await errorFromResponse(response);
  if (response.status === 204) return undefined as T;
  try {
    return (await response.json()) as T;
  } catch (error) {
    throw new AuthError({
      status: response.status,
      code: 'BAD_RESPONSE',
      message: 'The server sent a response that is not JSON',
      cause: error,
    });
  }
}

/** Joins the configured base URL and an API path. */
export function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + path;
}
