/**
 * Adding a passkey to the signed-in person's account (an account exists only once its address is
 * proved, see ../email/email-sign-in.ts): options, then verification and the conditional insert.
 * Policy in passkeys.ts.
 */
import { and, eq, lt } from 'drizzle-orm';
import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type CredentialDeviceType,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Config } from '../../lib/config.js';
import type { Db } from '../../db/db.js';
import { passkeys, users } from '../../db/schema.js';
import { auditInsertIf } from '../../audit/audit.js';
import { bytesToBase64Url, utf8, type Base64URLString } from '../../lib/encoding.js';
import { providerOf } from './authenticator-provider.js';
import { describeDevice } from '../../lib/describe-device.js';
import { anyRow, noRow, rowCount, previousStatementChangedARow } from '../../db/conditions.js';
import { AuthError } from '../errors.js';
import { assertRecentSignIn } from '../sessions/presence.js';
import type { RequestContext, SessionDeps, SessionRow } from '../sessions/sessions.js';
import type { UserRow } from '../account/users.js';
import { CHALLENGE_TTL_MS, consumeChallenge, issueChallenge, type ClientData } from './webauthn-challenges.js';
import {
  type PasskeyRow,
  SUPPORTED_ALGORITHM_IDS,
  MAX_PASSKEYS,
  DEFAULT_PASSKEY_NAME,
  webauthnOrigins,
  refused,
  parseTransports,
  insertPasskeyIf,
  findPasskey,
  listPasskeys,
} from './passkeys.js';
import { inspectRegistration } from './inspect.js';

/** The account's WebAuthn user handle, base64url: the bytes of its user id (see creationOptions). */
export function webauthnUserHandle(userId: string): Base64URLString {
  return bytesToBase64Url(utf8.encode(userId));
}

async function creationOptions(
  config: Config,
  {
    challenge,
    userId,
    email,
    exclude,
  }: { challenge: Uint8Array<ArrayBuffer>; userId: string; email: string; exclude: PasskeyRow[] },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: config.rpName,
    rpID: config.rpId,
    userName: email,
    userDisplayName: email,
    // The user handle is the bytes of our user id (a UUID, no personal data), so sign-in can check it.
    userID: utf8.encode(userId),
    challenge,
    timeout: CHALLENGE_TTL_MS,
    attestationType: 'none',
    excludeCredentials: exclude.map((p) => ({ id: p.id, transports: parseTransports(p.transports) })),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
  });
}

const tooMany = () =>
  new AuthError(
    'TOO_MANY_PASSKEYS',
    `An account holds at most ${MAX_PASSKEYS} passkeys; delete one you no longer use first`,
  );

/** Options for adding a passkey to the signed-in user's account. */
export async function startPasskeyAddition(
  deps: SessionDeps,
  { user, session }: { user: UserRow; session: SessionRow },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  assertRecentSignIn(deps, session);
  const existing = await listPasskeys(deps.db, user.id);
  if (existing.length >= MAX_PASSKEYS) throw tooMany();
  const { bytes } = await issueChallenge(deps, { ceremony: 'registration', userId: user.id });
  // excludeCredentials: the authenticator refuses to make a second credential for this account.
  return creationOptions(deps.config, { challenge: bytes, userId: user.id, email: user.email, exclude: existing });
}

interface NewCredential {
  id: Base64URLString;
  publicKey: Base64URLString;
  counter: number;
  transports: string[];
  backupEligible: boolean;
  backedUp: boolean;
  deviceType: CredentialDeviceType;
  aaguid: string;
  userVerified: boolean;
}

async function verifyNewCredential(
  deps: SessionDeps,
  response: RegistrationResponseJSON,
  clientData: ClientData,
): Promise<NewCredential> {
  const { config, logger } = deps;
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response,
      // The row we consumed was keyed by this very string's hash.
      expectedChallenge: clientData.challenge,
      expectedOrigin: webauthnOrigins(config),
      expectedRPID: config.rpId,
      expectedType: 'webauthn.create',
      requireUserPresence: true,
      requireUserVerification: false,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
    });
  } catch (cause) {
    logger.log('info', 'passkey registration refused', {
      reason: String((cause as Error)?.message ?? cause).slice(0, 300),
    });
    throw refused('The passkey could not be verified', cause);
  }
  // The library answers verified: false for attestation it could not verify; never trust anything else.
  if (verification.verified !== true) throw refused('The passkey could not be verified');
  const info = verification.registrationInfo;
  if (info.credential.id !== response.id) throw refused('The passkey could not be verified');
  return {
    id: info.credential.id,
    publicKey: bytesToBase64Url(info.credential.publicKey),
    counter: info.credential.counter,
    transports: (response.response.transports ?? []).slice(0, 8),
    backupEligible: info.credentialDeviceType === 'multiDevice',
    backedUp: info.credentialBackedUp,
    deviceType: info.credentialDeviceType,
    aaguid: info.aaguid,
    userVerified: info.userVerified,
  };
}

/** A new passkey's default name: its provider's ("iCloud Keychain"), else the browser and OS that made it. */
function defaultName(aaguid: string, userAgent: string | null | undefined): string {
  return providerOf(aaguid)?.name ?? (userAgent ? describeDevice(userAgent) : DEFAULT_PASSKEY_NAME);
}

function passkeyRow(
  cred: NewCredential,
  {
    userId,
    name,
    now,
    userAgent,
  }: { userId: string; name: string | undefined; now: number; userAgent?: string | null },
): PasskeyRow {
  return {
    id: cred.id,
    userId,
    name: name ?? defaultName(cred.aaguid, userAgent),
    publicKey: cred.publicKey,
    counter: cred.counter,
    transports: JSON.stringify(cred.transports),
    backupEligible: cred.backupEligible,
    backedUp: cred.backedUp,
    deviceType: cred.deviceType,
    aaguid: cred.aaguid,
    createdAt: now,
    lastUsedAt: null,
  };
}

async function credentialTaken(db: Db, id: string): Promise<boolean> {
  return (await findPasskey(db, id)) !== null;
}

/** Finishes adding a passkey to the signed-in user's account. */
export async function finishPasskeyAddition(
  deps: SessionDeps,
  {
    user,
    session,
    response,
    name,
    context = {},
  }: {
    user: UserRow;
    session: SessionRow;
    response: RegistrationResponseJSON;
    name?: string;
    context?: RequestContext;
  },
): Promise<PasskeyRow> {
  const { db, clock } = deps;
  assertRecentSignIn(deps, session);
  const clientData = inspectRegistration(response, deps.config);
  // Bound to this user: a challenge issued to someone else (or for a sign-up) does not match.
  const challenge = await consumeChallenge(deps, {
    challenge: clientData.challenge,
    purpose: { ceremony: 'registration', userId: user.id },
  });
  if (!challenge)
    throw new AuthError('CHALLENGE_EXPIRED', 'This passkey request is unknown, used or expired; start again');
  const cred = await verifyNewCredential(deps, response, clientData);
  if (await credentialTaken(db, cred.id))
    throw new AuthError('CREDENTIAL_EXISTS', 'This passkey is already registered');

  const now = clock();
  const row = passkeyRow(cred, { userId: user.id, name, now, userAgent: context.userAgent });
  const [inserted] = await db.batch([
    insertPasskeyIf(
      db,
      row,
      // The cap is part of the insert: two additions racing past the options check cannot both land.
      and(
        anyRow(users, eq(users.id, user.id)),
        noRow(passkeys, eq(passkeys.id, row.id)),
        lt(rowCount(passkeys, eq(passkeys.userId, user.id)), MAX_PASSKEYS),
      )!,
    ),
    auditInsertIf(
      db,
      {
        at: now,
        type: 'passkey.registered',
        userId: user.id,
        sessionId: session.id,
        clientAddress: context.clientAddress,
        userAgent: context.userAgent,
        detail: { credentialId: row.id, deviceType: row.deviceType, aaguid: row.aaguid },
      },
      previousStatementChangedARow,
    ),
  ]);
  if (inserted[0]) return inserted[0];
  if (await credentialTaken(db, row.id)) throw new AuthError('CREDENTIAL_EXISTS', 'This passkey is already registered');
  if ((await listPasskeys(db, user.id)).length >= MAX_PASSKEYS) throw tooMany();
  throw new AuthError('SESSION_REVOKED', 'This account no longer exists');
}
