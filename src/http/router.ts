/**
 * Every route file builds on this: an OpenAPIHono whose request validation failures become
 * API.md's 400 INVALID_REQUEST naming the field, so the OpenAPI document and validation share
 * one set of zod schemas.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../deps.js';
import { AuthError } from '../auth/errors.js';

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
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi('Error');

export const EmptyBody = z.object({}).strict().openapi('Empty');

export const UserSchema = z
  .object({ id: z.string(), email: z.string(), emailVerified: z.boolean() })
  .openapi('User');

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

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, jsonContent(ErrorSchema, `Error ${s}`)]));

export const bearerSecurity = [{ bearerAuth: [] }];
/** OpenAPI: a Bearer token is accepted but not required. */
export const optionalBearerSecurity: Record<string, string[]>[] = [{ bearerAuth: [] }, {}];
