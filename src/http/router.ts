/**
 * Every route file builds on this: an OpenAPIHono whose request validation failures become
 * API.md's 400 INVALID_REQUEST naming the field, so the OpenAPI document and validation share
 * one set of zod schemas.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from './deps.js';
import { AUTH_ERROR_CODES, AuthError, authErrorCodesWithStatus } from '../auth/errors.js';

export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const field = issue?.path.length ? issue.path.join('.') : 'body';
        throw new AuthError('INVALID_REQUEST', `${field}: ${issue?.message ?? 'invalid'}`);
      }
    },
  });
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z
        .enum(AUTH_ERROR_CODES as [string, ...string[]])
        .openapi({ description: 'What went wrong, for programs; each response lists the codes it may carry' }),
      message: z.string().openapi({ description: 'What went wrong, for people' }),
    }),
  })
  .openapi('Error');

export const EmptyBody = z.object({}).strict().openapi('Empty');

export const UserSchema = z.object({ id: z.string(), email: z.string(), emailVerified: z.boolean() }).openapi('User');

export const SessionResponseSchema = z
  .object({ accessToken: z.string(), tokenType: z.literal('Bearer'), expiresIn: z.number().int(), user: UserSchema })
  .openapi('SessionResponse');

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Not signed in, or the token, cookie, link, code or assertion is not valid',
  403: 'Refused',
  404: 'Not found',
  409: 'Conflict',
  413: 'Body over 64 KiB',
  415: 'Body is not JSON',
  429: 'Rate limited (see Retry-After)',
  503: 'Busy (see Retry-After)',
};

/** What an error status means, and the codes it may carry (from auth/errors.ts). */
export function errorDescription(status: number): string {
  const codes = authErrorCodesWithStatus(status);
  return `${STATUS_TEXT[status] ?? `Error ${status}`}${codes.length ? `: ${codes.join(', ')}` : ''}`;
}

/** Error responses for `statuses`, each naming the codes it may carry. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, jsonContent(ErrorSchema, errorDescription(s))]));

export const bearerSecurity = [{ bearerAuth: [] }];
/** OpenAPI: the refresh cookie `__Host-sesame_refresh` (the browser sends it; no script can). */
export const refreshCookieSecurity = [{ refreshCookie: [] }];
/** OpenAPI: a Bearer token is accepted but not required. */
export const optionalBearerSecurity: Record<string, string[]>[] = [{ bearerAuth: [] }, {}];
