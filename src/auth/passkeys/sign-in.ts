/**
 * Discoverable passkey sign-in and re-authentication: options, then the assertion's verification,
 * the counter rule and the session (or the session's proof-of-presence time). Policy in passkeys.ts.
 */
import { and, eq, sql } from 'drizzle-orm';
import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { passkeys, users } from '../../db/schema.js';
import type { Amr } from '../sessions/access-tokens.js';
import { recordAuditEvent } from '../../audit/audit.js';
import { utf8 } from '../../lib/encoding.js';
import { AuthError } from '../errors.js';
import { reauthenticateSession, type Authenticated } from '../sessions/presence.js';
import { startSession, type IssuedSession, type RequestContext, type SessionDeps } from '../sessions/sessions.js';
import { CHALLENGE_TTL_MS, consumeChallenge, issueChallenge } from './webauthn-challenges.js';
import { previousStatementChangedARow } from '../../db/conditions.js';
import { webauthnOrigins, refused, canonicalBytes, parseTransports, findPasskey } from './passkeys.js';
import { inspectAssertion } from './inspect.js';
import type { Db, PreparedStep } from '../../db/db.js';
import { prepared, type PreparedCondition } from '../../db/prepared.js';

function amrFor(deviceType: string, userVerified: boolean): Amr[] {
  // RFC 8176: a key bound to one device is "hwk"; a synced (multi-device) passkey is a software-held key, "swk".
  const amr: Amr[] = [deviceType === 'singleDevice' ? 'hwk' : 'swk'];
  if (userVerified) amr.push('user');
  return amr;
}

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

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * For a sign-in's batch (prepared once per database): records the use of a passkey, its new
 * counter and backup state, only while the row is as read. The value we compared against: a
 * parallel assertion that got here first wins alone.
 */
export function passkeyUseStep(
  db: Db,
  v: {
    id: string;
    userId: string;
    readCounter: number;
    backupEligible: boolean;
    counter: number;
    backedUp: boolean;
    now: number;
  },
): PreparedStep {
  const statement = prepared(db, 'passkeys.use', (orm) => {
    const p = sql.placeholder;
    return orm
      .update(passkeys)
      .set({
        counter: sql`${p('counter')}`,
        lastUsedAt: sql`${p('now')}`,
        backedUp: sql`${sql.param(p('backedUp'), passkeys.backedUp)}`,
      })
      .where(
        and(
          eq(passkeys.id, p('id')),
          eq(passkeys.userId, p('userId')),
          eq(passkeys.counter, p('readCounter')),
          eq(passkeys.backupEligible, sql.param(p('backupEligible'), passkeys.backupEligible)),
        ),
      )
      .prepare();
  });
  return { statement, values: v };
}

/** Holds right after passkeyUseStep when it took effect (the session's guard). */
export const counterTaken: PreparedCondition = {
  key: 'counterTaken',
  build: () => previousStatementChangedARow,
  values: {},
};

/**
 * Verifies a discoverable assertion and starts a session, or, sent with the Bearer token of a
 * session of the same user, re-authenticates that session; see the module header for the rules.
 */
export async function finishSignIn(
  deps: SessionDeps,
  {
    response,
    auth = null,
    context = {},
  }: { response: AuthenticationResponseJSON; auth?: Authenticated | null; context?: RequestContext },
): Promise<IssuedSession> {
  const { db, config, clock, logger } = deps;
  const { clientData, userHandle } = inspectAssertion(response, deps.config);
  const challenge = await consumeChallenge(deps, {
    challenge: clientData.challenge,
    purpose: { ceremony: 'authentication' },
  });
  if (!challenge)
    throw new AuthError('CHALLENGE_EXPIRED', 'This sign-in request is unknown, used or expired; start again');

  const lookup = prepared(db, 'passkeys.withUser', (orm) =>
    orm
      .select({ passkey: passkeys, user: users })
      .from(passkeys)
      .innerJoin(users, eq(users.id, passkeys.userId))
      .where(eq(passkeys.id, sql.placeholder('id')))
      .prepare(),
  );
  const found = await lookup.get({ id: response.id });
  // Said apart from a bad signature so the page can tell the browser (WebAuthn Signal API,
  // signalUnknownCredential) to forget a deleted passkey. It reveals nothing about accounts: sign-in
  // is discoverable (no address is named) and an id is 16+ random bytes nobody can guess.
  if (!found)
    throw new AuthError('UNKNOWN_CREDENTIAL', 'This passkey is not registered here (it may have been deleted)');
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
      response: {
        ...response,
        response: { ...response.response, userHandle: response.response.userHandle || undefined },
      },
      expectedChallenge: clientData.challenge,
      expectedOrigin: webauthnOrigins(config),
      expectedRPID: config.rpId,
      expectedType: 'webauthn.get',
      requireUserVerification: false,
      // Counter 0 turns the library's pre-signature counter check off; ours runs after the signature.
      credential: {
        id: passkey.id,
        publicKey: canonicalBytes(passkey.publicKey)!,
        counter: 0,
        transports: parseTransports(passkey.transports),
      },
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
  const signIn = reauth
    ? (input: Parameters<typeof startSession>[1]) => reauthenticateSession(deps, { ...input, auth })
    : (input: Parameters<typeof startSession>[1]) => startSession(deps, input);
  const issued = await signIn({
    user,
    method: 'passkey',
    amr: amrFor(passkey.deviceType, info.userVerified),
    context,
    before: [
      passkeyUseStep(db, {
        id: passkey.id,
        userId: user.id,
        readCounter: passkey.counter,
        backupEligible: passkey.backupEligible,
        counter: info.newCounter,
        backedUp: info.credentialBackedUp,
        now,
      }),
    ],
    guard: counterTaken,
  });
  if (issued) return issued;
  // The guard failed: the passkey was deleted meanwhile, or a parallel assertion took this counter value.
  const current = await findPasskey(db, passkey.id);
  if (!current) throw refused('This passkey could not be verified');
  await audit('passkey.counter_regression', { stored: current.counter, received: info.newCounter, concurrent: true });
  throw new AuthError('COUNTER_REPLAY', 'This passkey reported a stale signature counter; it may have been cloned');
}
