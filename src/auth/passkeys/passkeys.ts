/**
 * Passkeys: registration (always by the signed-in person: an account exists only once its address
 * is proved, see email-sign-in.ts), discoverable sign-in and re-authentication, and management. @simplewebauthn/server does the cryptography; this module does what
 * WebAuthn Level 3 §7.1/§7.2 leaves to the Relying Party.
 *
 * Policy:
 * - User verification is *preferred*, user presence is *required*: options ask for UV, verification
 *   passes `requireUserVerification: false`, and the library refuses UP = 0. A sign-in whose UV flag
 *   was set gets `user` in amr; without it, only `hwk` (single-device credential) or `swk` (synced).
 * - Challenges: see webauthn-challenges.ts. One is consumed before the response is verified, so a
 *   response can be verified once. Checks that need no secret and cost nothing (shape, encodings,
 *   ceremony type, crossOrigin) run first and refuse without consuming anything.
 * - Origin is exactly PUBLIC_URL, RP ID exactly RP_ID; clientData.crossOrigin = true is refused.
 * - Credential ids: at most 1023 bytes, the id the client names must be the one in the
 *   authenticator data, and an id already registered to anyone is refused (409). RSA public keys
 *   must have 2048 to 8192 bits. An account holds at most MAX_PASSKEYS (409 TOO_MANY_PASSKEYS,
 *   checked at options and again inside the insert).
 * - The signature counter must grow whenever either stored or received value is non-zero; a
 *   regression is refused and audited. The library's own counter check runs before it looks at the
 *   signature, so we hand it counter 0 and compare ourselves afterwards: only authentic assertions
 *   (a cloned authenticator) are reported as regressions.
 * - Counter, last use and backup state are updated by one conditional UPDATE (WHERE counter = the
 *   value we read) in the same batch as the session, guarded by that UPDATE having changed its row:
 *   two parallel assertions carrying the same counter cannot both sign in. (Counters that are 0 on
 *   both sides carry no order; there the single-use challenge is the replay defence.)
 * - Backup eligibility (BE) is fixed at registration and may never change.
 * - A sign-in assertion sent with the session's own Bearer token, for the same user, is a
 *   re-authentication: that session's proof-of-presence time moves (no second session).
 * - Adding or deleting needs a proof of presence younger than REAUTH_WINDOW.
 */
import { and, asc, eq, lt, sql, type SQL } from 'drizzle-orm';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type CredentialDeviceType,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { cose, decodeAttestationObject, decodeCredentialPublicKey, parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import type { Config } from '../../lib/config.js';
import type { Db } from '../../db/db.js';
import { insertWhere } from '../../db/insert-where.js';
import { anyRow, noRow, rowCount } from '../../db/conditions.js';
import { passkeys, users } from '../../db/schema.js';
import type { Amr } from '../sessions/access-tokens.js';
import { auditInsertIf, recordAuditEvent } from '../../audit/audit.js';
import { base64UrlToBytes, bytesToBase64Url, utf8, type Base64URLString } from '../../lib/encoding.js';
import { providerOf } from './authenticator-provider.js';
import { describeDevice } from '../../lib/describe-device.js';
import { AuthError } from '../errors.js';
import {
  assertRecentSignIn,
  reauthenticateSession,
  startSession,
  type Authenticated,
  type IssuedSession,
  type RequestContext,
  type SessionDeps,
  type SessionRow,
  type UserRow,
} from '../sessions/sessions.js';
import { CHALLENGE_TTL_MS, consumeChallenge, issueChallenge, readClientData, type ClientData } from './webauthn-challenges.js';

export type PasskeyRow = typeof passkeys.$inferSelect;

/** ES256, EdDSA, RS256 (COSE ids), in the order offered. */
export const SUPPORTED_ALGORITHM_IDS = [-7, -8, -257];
/** WebAuthn L3 §7.1 step "credentialId ≤ 1023 bytes". */
export const MAX_CREDENTIAL_ID_BYTES = 1023;
export const PASSKEY_NAME_MAX = 64;
/** Passkeys one account may hold: enough for every device and manager a person uses, not a dumping ground. */
export const MAX_PASSKEYS = 20;
/** RSA moduli accepted (bits): below is breakable, above only costs every sign-in. */
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 8192;
export const DEFAULT_PASSKEY_NAME = 'Passkey';

/** C0/C1 controls, DEL, line/paragraph separators and bidi overrides/isolates: nothing that can hide or reorder text. */
export const PASSKEY_NAME_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

// ---------------------------------------------------------------------------------------------
// Small helpers

/**
 * The origins whose ceremonies verify (API.md, "Applications"): PUBLIC_URL's and every APP_ORIGINS
 * app's; lib/config.ts made sure each of them may use RP_ID (directly or as a related origin).
 */
export function webauthnOrigins(config: Pick<Config, 'publicUrl' | 'appOrigins'>): string[] {
  return [config.publicUrl, ...config.appOrigins];
}

const refused = (message: string, cause?: unknown) => new AuthError('INVALID_CREDENTIAL', message, { cause });
const malformed = (message: string) => new AuthError('INVALID_REQUEST', message);

/** Bytes of a canonical base64url string, or null (non-canonical spellings of the same bytes are refused too). */
function canonicalBytes(text: string): Uint8Array<ArrayBuffer> | null {
  const bytes = base64UrlToBytes(text);
  if (!bytes || bytesToBase64Url(bytes) !== text) return null;
  return bytes as Uint8Array<ArrayBuffer>;
}

function parseTransports(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

function amrFor(deviceType: string, userVerified: boolean): Amr[] {
  // RFC 8176: a key bound to one device is "hwk"; a synced (multi-device) passkey is a software-held key, "swk".
  const amr: Amr[] = [deviceType === 'singleDevice' ? 'hwk' : 'swk'];
  if (userVerified) amr.push('user');
  return amr;
}

/** The passkey's insert, done only when `cond` holds at that point of its batch (a new passkey has no last use). */
function insertPasskeyIf(db: Db, row: PasskeyRow, cond: SQL) {
  return insertWhere(db.orm, passkeys, { ...row, lastUsedAt: null }, cond).returning();
}

/**
 * SQLite's changes(): rows changed by the statement just before, in this batch (same connection,
 * same transaction on better-sqlite3 and D1). Used where a later statement must happen only if the
 * previous conditional one took effect, and the resulting state alone cannot tell (a parallel
 * request may have produced the same state).
 */
const previousStatementChangedARow = sql`changes() = 1`;

async function findPasskey(db: Db, id: string, userId?: string): Promise<PasskeyRow | null> {
  const [row] = await db.orm
    .select()
    .from(passkeys)
    .where(userId === undefined ? eq(passkeys.id, id) : and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
    .limit(1);
  return row ?? null;
}

export async function listPasskeys(db: Db, userId: string): Promise<PasskeyRow[]> {
  return db.orm.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.createdAt), asc(passkeys.id));
}

export function passkeyTransports(row: PasskeyRow): string[] {
  return parseTransports(row.transports);
}

// ---------------------------------------------------------------------------------------------
// Registration

/** The account's WebAuthn user handle, base64url: the bytes of its user id (see creationOptions). */
export function webauthnUserHandle(userId: string): Base64URLString {
  return bytesToBase64Url(utf8.encode(userId));
}

async function creationOptions(
  config: Config,
  { challenge, userId, email, exclude }: { challenge: Uint8Array<ArrayBuffer>; userId: string; email: string; exclude: PasskeyRow[] },
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
  new AuthError('TOO_MANY_PASSKEYS', `An account holds at most ${MAX_PASSKEYS} passkeys; delete one you no longer use first`);

/** Options for adding a passkey to the signed-in user's account. */
export async function startPasskeyAddition(deps: SessionDeps, { user, session }: { user: UserRow; session: SessionRow }): Promise<PublicKeyCredentialCreationOptionsJSON> {
  assertRecentSignIn(deps, session);
  const existing = await listPasskeys(deps.db, user.id);
  if (existing.length >= MAX_PASSKEYS) throw tooMany();
  const { bytes } = await issueChallenge(deps, { ceremony: 'registration', userId: user.id });
  // excludeCredentials: the authenticator refuses to make a second credential for this account.
  return creationOptions(deps.config, { challenge: bytes, userId: user.id, email: user.email, exclude: existing });
}

/** Bits of an RSA modulus (big-endian bytes), leading zero bits not counted. */
function modulusBits(n: Uint8Array): number {
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  if (i === n.length) return 0;
  return (n.length - i) * 8 - Math.clz32(n[i]!) + 24;
}

/** RSA keys outside RSA_MIN_BITS..RSA_MAX_BITS are refused (other key types are checked by the library). */
function checkKeySize(credentialPublicKey: Uint8Array): void {
  let key: ReturnType<typeof decodeCredentialPublicKey>;
  try {
    key = decodeCredentialPublicKey(credentialPublicKey as Uint8Array<ArrayBuffer>);
  } catch {
    throw malformed('response.response.attestationObject: the public key is not valid COSE');
  }
  if (!((key as unknown) instanceof Map)) throw malformed('response.response.attestationObject: the public key is not a COSE key');
  if (!cose.isCOSEPublicKeyRSA(key)) return;
  const n = key.get(cose.COSEKEYS.n);
  const bits = n ? modulusBits(n) : 0;
  // A short modulus can be factored; a huge one makes every verification slow (a cheap DoS).
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
    throw malformed(`response: RSA key of ${bits} bits; ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits are accepted`);
}

/** Refusals that need no secret: run before the challenge is consumed, so they change nothing. */
function inspectRegistration(response: RegistrationResponseJSON, config: Pick<Config, 'publicUrl' | 'appOrigins'>): ClientData {
  const clientData = readClientData(response.response.clientDataJSON);
  if (response.id !== response.rawId) throw malformed('response: id and rawId differ');
  const attestation = canonicalBytes(response.response.attestationObject);
  if (!attestation) throw malformed('response.response.attestationObject: not base64url');
  let decoded: Map<string, unknown>;
  try {
    decoded = decodeAttestationObject(attestation) as unknown as Map<string, unknown>;
  } catch {
    throw malformed('response.response.attestationObject: not valid CBOR');
  }
  const authData = decoded instanceof Map ? decoded.get('authData') : undefined;
  if (!(authData instanceof Uint8Array) || typeof decoded.get('fmt') !== 'string' || !(decoded.get('attStmt') instanceof Map))
    throw malformed('response.response.attestationObject: not an attestation object (fmt, attStmt, authData)');
  let parsed: ReturnType<typeof parseAuthenticatorData>;
  try {
    parsed = parseAuthenticatorData(authData as Uint8Array<ArrayBuffer>);
  } catch {
    throw malformed('response.response.attestationObject: malformed authenticator data');
  }
  if (!parsed.credentialID || !parsed.credentialPublicKey || !parsed.aaguid)
    throw malformed('response.response.attestationObject: no attested credential data');
  // WebAuthn L3 §7.1: a credential id longer than 1023 bytes is refused.
  if (parsed.credentialID.length > MAX_CREDENTIAL_ID_BYTES) throw malformed(`response: credential id longer than ${MAX_CREDENTIAL_ID_BYTES} bytes`);
  // We key the passkey on response.id: it must name the credential the authenticator attested.
  if (bytesToBase64Url(parsed.credentialID) !== response.id) throw malformed('response: id does not match the attested credential');
  checkKeySize(parsed.credentialPublicKey);
  if (response.clientExtensionResults?.credProps?.rk === false)
    throw malformed('response: the authenticator made a non-discoverable credential; sign-in needs a passkey it can offer by itself');
  if (clientData.type !== 'webauthn.create') throw refused('This is not a registration response');
  // Credentials created inside a cross-origin iframe are not ours to accept.
  if (clientData.crossOrigin === true || clientData.topOrigin !== undefined) throw refused('Cross-origin registration is not allowed');
  // Made on a page that is neither PUBLIC_URL nor an APP_ORIGINS app: refused before its challenge is used up.
  if (!webauthnOrigins(config).includes(clientData.origin)) throw refused('This passkey was made on an origin this service does not serve');
  return clientData;
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

async function verifyNewCredential(deps: SessionDeps, response: RegistrationResponseJSON, clientData: ClientData): Promise<NewCredential> {
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
    logger.log('info', 'passkey registration refused', { reason: String((cause as Error)?.message ?? cause).slice(0, 300) });
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
  { userId, name, now, userAgent }: { userId: string; name: string | undefined; now: number; userAgent?: string | null },
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
  }: { user: UserRow; session: SessionRow; response: RegistrationResponseJSON; name?: string; context?: RequestContext },
): Promise<PasskeyRow> {
  const { db, clock } = deps;
  assertRecentSignIn(deps, session);
  const clientData = inspectRegistration(response, deps.config);
  // Bound to this user: a challenge issued to someone else (or for a sign-up) does not match.
  const challenge = await consumeChallenge(deps, { challenge: clientData.challenge, purpose: { ceremony: 'registration', userId: user.id } });
  if (!challenge) throw new AuthError('CHALLENGE_EXPIRED', 'This passkey request is unknown, used or expired; start again');
  const cred = await verifyNewCredential(deps, response, clientData);
  if (await credentialTaken(db, cred.id)) throw new AuthError('CREDENTIAL_EXISTS', 'This passkey is already registered');

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

// ---------------------------------------------------------------------------------------------
// Sign-in

/** Discoverable sign-in: no allowCredentials, so nothing about any account is revealed. */
export async function startSignIn(deps: SessionDeps): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { bytes } = await issueChallenge(deps, { ceremony: 'authentication' });
  return generateAuthenticationOptions({
    rpID: deps.config.rpId,
    allowCredentials: [],
    challenge: bytes,
    timeout: CHALLENGE_TTL_MS,
    userVerification: 'preferred',
  });
}

function inspectAssertion(
  response: AuthenticationResponseJSON,
  config: Pick<Config, 'publicUrl' | 'appOrigins'>,
): { clientData: ClientData; userHandle: Uint8Array | null } {
  const clientData = readClientData(response.response.clientDataJSON);
  if (response.id !== response.rawId) throw malformed('response: id and rawId differ');
  const id = canonicalBytes(response.id);
  if (!id || id.length === 0) throw malformed('response.id: not base64url');
  if (id.length > MAX_CREDENTIAL_ID_BYTES) throw malformed(`response.id: longer than ${MAX_CREDENTIAL_ID_BYTES} bytes`);
  const authData = canonicalBytes(response.response.authenticatorData);
  if (!authData) throw malformed('response.response.authenticatorData: not base64url');
  try {
    parseAuthenticatorData(authData);
  } catch {
    throw malformed('response.response.authenticatorData: malformed');
  }
  const signature = canonicalBytes(response.response.signature);
  if (!signature || signature.length === 0) throw malformed('response.response.signature: not base64url');
  let userHandle: Uint8Array | null = null;
  if (response.response.userHandle) {
    userHandle = canonicalBytes(response.response.userHandle);
    if (!userHandle) throw malformed('response.response.userHandle: not base64url');
  }
  if (clientData.type !== 'webauthn.get') throw refused('This is not a sign-in response');
  // An assertion made inside a cross-origin iframe could be a framing attack on this origin.
  if (clientData.crossOrigin === true || clientData.topOrigin !== undefined) throw refused('Cross-origin sign-in is not allowed');
  // Made on a page that is neither PUBLIC_URL nor an APP_ORIGINS app: refused before its challenge is used up.
  if (!webauthnOrigins(config).includes(clientData.origin)) throw refused('This assertion was made on an origin this service does not serve');
  return { clientData, userHandle };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * Verifies a discoverable assertion and starts a session, or, sent with the Bearer token of a
 * session of the same user, re-authenticates that session; see the module header for the rules.
 */
export async function finishSignIn(
  deps: SessionDeps,
  { response, auth = null, context = {} }: { response: AuthenticationResponseJSON; auth?: Authenticated | null; context?: RequestContext },
): Promise<IssuedSession> {
  const { db, config, clock, logger } = deps;
  const { clientData, userHandle } = inspectAssertion(response, deps.config);
  const challenge = await consumeChallenge(deps, { challenge: clientData.challenge, purpose: { ceremony: 'authentication' } });
  if (!challenge) throw new AuthError('CHALLENGE_EXPIRED', 'This sign-in request is unknown, used or expired; start again');

  const [found] = await db.orm
    .select({ passkey: passkeys, user: users })
    .from(passkeys)
    .innerJoin(users, eq(users.id, passkeys.userId))
    .where(eq(passkeys.id, response.id))
    .limit(1);
  // Said apart from a bad signature so the page can tell the browser (WebAuthn Signal API,
  // signalUnknownCredential) to forget a deleted passkey. It reveals nothing about accounts: sign-in
  // is discoverable (no address is named) and an id is 16+ random bytes nobody can guess.
  if (!found) throw new AuthError('UNKNOWN_CREDENTIAL', 'This passkey is not registered here (it may have been deleted)');
  const { passkey, user } = found;
  const audit = (type: 'passkey.sign_in_failed' | 'passkey.counter_regression', detail: Record<string, unknown>) =>
    recordAuditEvent(db, {
      at: clock(),
      type,
      userId: user.id,
      clientAddress: context.clientAddress,
      userAgent: context.userAgent,
      detail: { credentialId: passkey.id, ...detail },
    });

  // WebAuthn L3 §7.2: the user handle the authenticator returns must be that credential's owner.
  if (userHandle && !sameBytes(userHandle, utf8.encode(user.id))) {
    await audit('passkey.sign_in_failed', { reason: 'user_handle_mismatch' });
    throw refused('This passkey could not be verified');
  }

  let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verification = await verifyAuthenticationResponse({
      response: { ...response, response: { ...response.response, userHandle: response.response.userHandle || undefined } },
      expectedChallenge: clientData.challenge,
      expectedOrigin: webauthnOrigins(config),
      expectedRPID: config.rpId,
      expectedType: 'webauthn.get',
      requireUserVerification: false,
      // Counter 0 turns the library's pre-signature counter check off; ours runs after the signature.
      credential: { id: passkey.id, publicKey: canonicalBytes(passkey.publicKey)!, counter: 0, transports: parseTransports(passkey.transports) },
    });
  } catch (cause) {
    const reason = String((cause as Error)?.message ?? cause).slice(0, 300);
    logger.log('info', 'passkey sign-in refused', { userId: user.id, reason });
    await audit('passkey.sign_in_failed', { reason: 'verification_failed' });
    throw refused('This passkey could not be verified', cause);
  }
  if (verification.verified !== true) {
    await audit('passkey.sign_in_failed', { reason: 'bad_signature' });
    throw refused('This passkey could not be verified');
  }
  const info = verification.authenticationInfo;

  // Backup eligibility is a fixed property of a credential; a change means it is not the one we registered.
  if ((info.credentialDeviceType === 'multiDevice') !== passkey.backupEligible) {
    await audit('passkey.sign_in_failed', { reason: 'backup_eligibility_changed' });
    throw refused('This passkey could not be verified');
  }
  // A counter that does not grow (when either side counts) means a cloned authenticator or a replay.
  if ((info.newCounter > 0 || passkey.counter > 0) && info.newCounter <= passkey.counter) {
    await audit('passkey.counter_regression', { stored: passkey.counter, received: info.newCounter });
    throw new AuthError('COUNTER_REPLAY', 'This passkey reported a stale signature counter; it may have been cloned');
  }

  const now = clock();
  // Another person's passkey on a signed-in device is a sign-in as that person, not a re-authentication.
  const reauth = auth !== null && auth.user.id === user.id;
  const signIn = reauth ? (input: Parameters<typeof startSession>[1]) => reauthenticateSession(deps, { ...input, auth }) : (input: Parameters<typeof startSession>[1]) => startSession(deps, input);
  const issued = await signIn({
    user,
    method: 'passkey',
    amr: amrFor(passkey.deviceType, info.userVerified),
    context,
    before: [
      db.orm
        .update(passkeys)
        .set({ counter: info.newCounter, lastUsedAt: now, backedUp: info.credentialBackedUp })
        .where(
          and(
            eq(passkeys.id, passkey.id),
            eq(passkeys.userId, user.id),
            // The value we compared against: a parallel assertion that got here first wins alone.
            eq(passkeys.counter, passkey.counter),
            eq(passkeys.backupEligible, passkey.backupEligible),
          ),
        ),
    ],
    guard: previousStatementChangedARow,
  });
  if (issued) return issued;
  // The guard failed: the passkey was deleted meanwhile, or a parallel assertion took this counter value.
  const current = await findPasskey(db, passkey.id);
  if (!current) throw refused('This passkey could not be verified');
  await audit('passkey.counter_regression', { stored: current.counter, received: info.newCounter, concurrent: true });
  throw new AuthError('COUNTER_REPLAY', 'This passkey reported a stale signature counter; it may have been cloned');
}

// ---------------------------------------------------------------------------------------------
// Management

/** Renames one of the user's passkeys; null when the user has no passkey with that id. */
export async function renamePasskey(
  { db, clock }: SessionDeps,
  { userId, sessionId, id, name, context = {} }: { userId: string; sessionId: string; id: string; name: string; context?: RequestContext },
): Promise<PasskeyRow | null> {
  const now = clock();
  const [renamed] = await db.batch([
    db.orm
      .update(passkeys)
      .set({ name })
      .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
      .returning(),
    auditInsertIf(
      db,
      { at: now, type: 'passkey.renamed', userId, sessionId, clientAddress: context.clientAddress, userAgent: context.userAgent, detail: { credentialId: id } },
      previousStatementChangedARow,
    ),
  ]);
  return renamed[0] ?? null;
}

/** Deletes one of the user's passkeys; 404 when it is not theirs. The address stays a way in. */
export async function deletePasskey(
  deps: SessionDeps,
  { user, session, id, context = {} }: { user: UserRow; session: SessionRow; id: string; context?: RequestContext },
): Promise<{ id: string; name: string }> {
  const { db, clock } = deps;
  assertRecentSignIn(deps, session);
  const now = clock();
  // An account whose address was released by the verify-first upgrade (README "Upgrading") has no
  // address to receive a link: its passkeys are its only way in, so the last one stays until an
  // address is proved. Checked inside the DELETE, so two parallel deletes cannot remove both.
  const keepsAWayIn = sql`(EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${user.id} AND ${users.emailVerified} = 1)
    OR (SELECT count(*) FROM ${passkeys} WHERE ${passkeys.userId} = ${user.id}) > 1)`;
  const [deleted] = await db.batch([
    db.orm
      .delete(passkeys)
      .where(and(eq(passkeys.id, id), eq(passkeys.userId, user.id), keepsAWayIn))
      .returning({ id: passkeys.id, name: passkeys.name }),
    auditInsertIf(
      db,
      {
        at: now,
        type: 'passkey.deleted',
        userId: user.id,
        sessionId: session.id,
        clientAddress: context.clientAddress,
        userAgent: context.userAgent,
        detail: { credentialId: id },
      },
      previousStatementChangedARow,
    ),
  ]);
  if (deleted.length !== 1) {
    const [mine] = await db.orm
      .select({ id: passkeys.id })
      .from(passkeys)
      .where(and(eq(passkeys.id, id), eq(passkeys.userId, user.id)));
    // Another user's passkey is simply not found.
    if (!mine) throw new AuthError('NOT_FOUND', 'No such passkey');
    throw new AuthError('LAST_PASSKEY', 'This passkey is the only way into an account without a proved address; prove an address first (account page, change address)');
  }
  return deleted[0]!;
}
