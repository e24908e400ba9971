/**
 * Passkey registration, sign-in and management (API.md "Endpoints"); the rules live in
 * auth/passkeys/ (policy in passkeys.ts, one file per step).
 *
 * Long file: seven routes, each with the zod schemas its OpenAPI entry is generated from; the
 * handlers themselves are a few lines each.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { deletePasskey, renamePasskey } from '../auth/passkeys/manage.js';
import { finishPasskeyAddition, startPasskeyAddition, webauthnUserHandle } from '../auth/passkeys/registration.js';
import { finishSignIn, startSignIn } from '../auth/passkeys/sign-in.js';
import {
  listPasskeys,
  MAX_CREDENTIAL_ID_BYTES,
  PASSKEY_NAME_FORBIDDEN,
  PASSKEY_NAME_MAX,
  passkeyTransports,
  type PasskeyRow,
} from '../auth/passkeys/passkeys.js';
import { AuthError } from '../auth/errors.js';
import { notifyAccount } from '../auth/account/notify-account.js';
import { providerOf } from '../auth/passkeys/authenticator-provider.js';
import { optionalAuth, requireAuth, authenticated } from '../http/require-auth.js';
import {
  bearerSecurity,
  createRouter,
  EmptyBody,
  errorResponses,
  jsonBody,
  jsonContent,
  optionalBearerSecurity,
  SessionResponseSchema,
} from '../http/router.js';
import { sessionResponse } from '../http/session-response.js';
import { isoTime, requestContext } from '../http/request-context.js';

// ---------------------------------------------------------------------------------------------
// Schemas

/** Unpadded base64url, as browsers' toJSON() produce it. Decoding is checked again in the domain. */
const b64url = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/, 'must be base64url without padding')
    .refine((s) => s.length % 4 !== 1, 'is not valid base64url');

/** The longest base64url text of a credential id we accept (1023 bytes). */
const CREDENTIAL_ID_CHARS = Math.ceil((MAX_CREDENTIAL_ID_BYTES * 4) / 3);
const CredentialId = b64url(CREDENTIAL_ID_CHARS)
  .min(1)
  .openapi({ description: 'Credential ID, base64url (at most 1023 bytes)' });

const Transport = z.string().regex(/^[a-z][a-z-]{0,31}$/, 'is not a transport name');

const ClientExtensionResults = z
  .looseObject({ credProps: z.looseObject({ rk: z.boolean().optional() }).optional() })
  .openapi({ description: 'getClientExtensionResults(); credProps.rk is read' });

/** What PublicKeyCredential.toJSON() carries beside `response`, for both ceremonies. */
const credentialFields = {
  id: CredentialId,
  rawId: CredentialId,
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: ClientExtensionResults,
};

const RegistrationResponseSchema = z
  .object({
    ...credentialFields,
    response: z.object({
      clientDataJSON: b64url(8192).min(1),
      attestationObject: b64url(48 * 1024).min(1),
      authenticatorData: b64url(48 * 1024).optional(),
      transports: z.array(Transport).max(16).optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: b64url(8192).optional(),
    }),
  })
  .openapi('RegistrationResponseJSON', {
    description: 'PublicKeyCredential.toJSON() after navigator.credentials.create()',
  });

const AuthenticationResponseSchema = z
  .object({
    ...credentialFields,
    response: z.object({
      clientDataJSON: b64url(8192).min(1),
      authenticatorData: b64url(16 * 1024).min(1),
      signature: b64url(4096).min(1),
      userHandle: b64url(1024).nullable().optional(),
    }),
  })
  .openapi('AuthenticationResponseJSON', {
    description: 'PublicKeyCredential.toJSON() after navigator.credentials.get()',
  });

const PasskeyName = z
  .string()
  .trim()
  .min(1)
  .max(PASSKEY_NAME_MAX)
  .refine((s) => !PASSKEY_NAME_FORBIDDEN.test(s), 'must not contain control characters')
  .openapi({ description: `Trimmed; 1 to ${PASSKEY_NAME_MAX} characters, no control characters` });

const Passkey = z
  .object({
    id: z.string().openapi({ description: 'Credential ID, base64url' }),
    name: z.string(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    lastUsedAt: z.string().nullable().openapi({ format: 'date-time' }),
    backedUp: z.boolean(),
    transports: z.array(z.string()),
    aaguid: z.string().openapi({ description: 'The authenticator model, as the authenticator reported it' }),
    provider: z
      .object({ name: z.string(), iconLight: z.string().optional(), iconDark: z.string().optional() })
      .nullable()
      .openapi({
        description:
          'The password manager or device that holds the passkey, when its AAGUID is known (icons are data: URIs)',
      }),
  })
  .openapi('Passkey');

const Descriptor = z.object({ id: z.string(), type: z.string(), transports: z.array(z.string()).optional() });

const CreationOptions = z
  .looseObject({
    rp: z.object({ id: z.string().optional(), name: z.string() }),
    user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
    challenge: z.string(),
    pubKeyCredParams: z.array(z.object({ alg: z.number(), type: z.literal('public-key') })),
    timeout: z.number().optional(),
    excludeCredentials: z.array(Descriptor).optional(),
    authenticatorSelection: z.looseObject({}).optional(),
    attestation: z.string().optional(),
    extensions: z.looseObject({}).optional(),
    hints: z.array(z.string()).optional(),
  })
  .openapi('PublicKeyCredentialCreationOptionsJSON');

const RequestOptions = z
  .looseObject({
    challenge: z.string(),
    timeout: z.number().optional(),
    rpId: z.string().optional(),
    allowCredentials: z.array(Descriptor).optional(),
    userVerification: z.string().optional(),
    extensions: z.looseObject({}).optional(),
    hints: z.array(z.string()).optional(),
  })
  .openapi('PublicKeyCredentialRequestOptionsJSON');

const PasskeyParams = z.object({ id: CredentialId.openapi({ param: { name: 'id', in: 'path' } }) });

// ---------------------------------------------------------------------------------------------
// Routes

const registerOptions = createRoute({
  method: 'post',
  path: '/auth/passkeys/register/options',
  operationId: 'createPasskeyRegistrationOptions',
  tags: ['Passkeys'],
  summary: 'Start adding a passkey to the signed-in account (recent sign-in; at most 20 passkeys)',
  description:
    'An account exists only once its address is proved (POST /auth/email/verify); passkeys are added by the signed-in person. Without a Bearer token: 401.',
  security: bearerSecurity,
  middleware: [requireAuth] as const,
  request: jsonBody(EmptyBody),
  responses: {
    200: jsonContent(CreationOptions, 'Options for navigator.credentials.create()'),
    ...errorResponses(400, 401, 403, 409, 415, 429),
  },
});

const registerVerify = createRoute({
  method: 'post',
  path: '/auth/passkeys/register/verify',
  operationId: 'verifyPasskeyRegistration',
  tags: ['Passkeys'],
  summary: 'Finish adding a passkey to the signed-in account',
  security: bearerSecurity,
  middleware: [requireAuth] as const,
  request: jsonBody(
    z
      .object({ response: RegistrationResponseSchema, name: PasskeyName.optional() })
      .strict()
      .openapi('RegisterVerifyRequest'),
  ),
  responses: {
    201: jsonContent(z.object({ passkey: Passkey }), 'The new passkey'),
    ...errorResponses(400, 401, 403, 409, 415, 429),
  },
});

const loginOptions = createRoute({
  method: 'post',
  path: '/auth/passkeys/login/options',
  operationId: 'createPasskeyLoginOptions',
  tags: ['Passkeys'],
  summary: 'Start a discoverable passkey sign-in',
  request: jsonBody(EmptyBody),
  responses: {
    200: jsonContent(RequestOptions, 'Options for navigator.credentials.get() (empty allowCredentials)'),
    ...errorResponses(400, 403, 415, 429),
  },
});

const loginVerify = createRoute({
  method: 'post',
  path: '/auth/passkeys/login/verify',
  operationId: 'verifyPasskeyLogin',
  tags: ['Passkeys'],
  summary:
    'Finish a passkey sign-in; with the Bearer token of a session of the same user, re-authenticate that session (same sid)',
  security: optionalBearerSecurity,
  middleware: [optionalAuth] as const,
  request: jsonBody(z.object({ response: AuthenticationResponseSchema }).strict().openapi('LoginVerifyRequest')),
  responses: {
    200: jsonContent(SessionResponseSchema, 'Session response'),
    ...errorResponses(400, 401, 403, 415, 429),
  },
});

const list = createRoute({
  method: 'get',
  path: '/auth/passkeys',
  operationId: 'listPasskeys',
  tags: ['Passkeys'],
  summary: "The signed-in user's passkeys",
  security: bearerSecurity,
  middleware: [requireAuth] as const,
  responses: {
    200: jsonContent(
      z.object({
        passkeys: z.array(Passkey),
        rpId: z.string().openapi({ description: 'The WebAuthn relying-party id (RP_ID), for the WebAuthn Signal API' }),
        userHandle: z
          .string()
          .openapi({ description: 'The account’s WebAuthn user handle (base64url), for the WebAuthn Signal API' }),
      }),
      'Passkeys, oldest first',
    ),
    ...errorResponses(401, 429),
  },
});

const rename = createRoute({
  method: 'patch',
  path: '/auth/passkeys/{id}',
  operationId: 'renamePasskey',
  tags: ['Passkeys'],
  summary: 'Rename a passkey',
  security: bearerSecurity,
  middleware: [requireAuth] as const,
  request: {
    params: PasskeyParams,
    ...jsonBody(z.object({ name: PasskeyName }).strict().openapi('RenamePasskeyRequest')),
  },
  responses: {
    200: jsonContent(z.object({ passkey: Passkey }), 'The renamed passkey'),
    ...errorResponses(400, 401, 403, 404, 415, 429),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/auth/passkeys/{id}',
  operationId: 'deletePasskey',
  tags: ['Passkeys'],
  summary:
    'Delete a passkey (needs a recent sign-in; 409 LAST_PASSKEY for the last one of an account without a proved address)',
  security: bearerSecurity,
  middleware: [requireAuth] as const,
  request: { params: PasskeyParams },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404, 409, 429) },
});

function passkeyJson(p: PasskeyRow) {
  return {
    id: p.id,
    name: p.name,
    createdAt: isoTime(p.createdAt),
    lastUsedAt: p.lastUsedAt === null ? null : isoTime(p.lastUsedAt),
    backedUp: p.backedUp,
    transports: passkeyTransports(p),
    aaguid: p.aaguid,
    provider: providerOf(p.aaguid),
  };
}

export function passkeyRoutes() {
  return createRouter()
    .openapi(registerOptions, async (c) => {
      c.header('Cache-Control', 'no-store');
      return c.json(await startPasskeyAddition(c.get('deps'), authenticated(c)), 200);
    })
    .openapi(registerVerify, async (c) => {
      const { response, name } = c.req.valid('json');
      const context = requestContext(c);
      const passkey = await finishPasskeyAddition(c.get('deps'), { ...authenticated(c), response, name, context });
      await notifyAccount(c.get('deps'), {
        email: authenticated(c).user.email,
        notice: { kind: 'passkey_added', passkeyName: passkey.name },
        context,
      });
      return c.json({ passkey: passkeyJson(passkey) }, 201);
    })
    .openapi(loginOptions, async (c) => {
      c.header('Cache-Control', 'no-store');
      return c.json(await startSignIn(c.get('deps')), 200);
    })
    .openapi(loginVerify, async (c) => {
      const { response } = c.req.valid('json');
      // Some clients send userHandle: null for "none"; the library's type knows only absent.
      const normalized = {
        ...response,
        response: { ...response.response, userHandle: response.response.userHandle ?? undefined },
      };
      const issued = await finishSignIn(c.get('deps'), {
        response: normalized,
        auth: c.get('auth') ?? null,
        context: requestContext(c),
      });
      return sessionResponse(c, issued, 200);
    })
    .openapi(list, async (c) => {
      const { user } = authenticated(c);
      const rows = await listPasskeys(c.get('deps').db, user.id);
      // rpId and userHandle let the page tell the browser which passkeys are still accepted (signalAllAcceptedCredentials).
      return c.json(
        { passkeys: rows.map(passkeyJson), rpId: c.get('deps').config.rpId, userHandle: webauthnUserHandle(user.id) },
        200,
      );
    })
    .openapi(rename, async (c) => {
      const { id } = c.req.valid('param');
      const { name } = c.req.valid('json');
      const { user, session } = authenticated(c);
      // Scoped to the caller's own passkeys: another user's id is simply not found.
      const renamed = await renamePasskey(c.get('deps'), {
        userId: user.id,
        sessionId: session.id,
        id,
        name,
        context: requestContext(c),
      });
      if (!renamed) throw new AuthError('NOT_FOUND', 'No such passkey');
      return c.json({ passkey: passkeyJson(renamed) }, 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      const context = requestContext(c);
      const deleted = await deletePasskey(c.get('deps'), { ...authenticated(c), id, context });
      await notifyAccount(c.get('deps'), {
        email: authenticated(c).user.email,
        notice: { kind: 'passkey_removed', passkeyName: deleted.name },
        context,
      });
      return c.body(null, 204);
    });
}
