/**
 * Changing an account's address (API.md: POST /auth/email/change, /auth/email/change/verify).
 *
 * Start (signed in, recent sign-in): the new address is canonicalized and counted against
 * RATE_LIMIT_EMAILS_PER_HOUR like any message to it. The answer is 202 whether or not the address
 * has an account, and it is sent before the address is even looked up (the rest runs in
 * deps.defer), so neither its content nor its timing tells the requester about other people's addresses:
 * - a free address gets a link and code (the sign-in message's shape, purpose 'change', bound to
 *   the requesting account in email_tokens.user_id);
 * - an address that has an account gets no link: its owner gets a notice that someone tried.
 * Verify (no Bearer needed: the link may be opened on another device): whoever shows the link or
 * the new address with its code has proved that mailbox. One batch uses the row up and moves the
 * account to the address, verified, on the condition that the address is still free and the
 * account still exists; every statement after the consume checks the nonce it wrote (see
 * magic-links.ts), so 20 parallel verifies change the address once. Sessions live on: their next
 * access tokens carry the new `email`. The old address then gets a notice.
 * A change link or code is not a sign-in: /auth/email/verify refuses it, and this refuses sign-in ones.
 */
import { and, eq, sql } from 'drizzle-orm';
import { anyRow, noRow } from '../../db/conditions.js';
import { placeholderValues, prepared, type PreparedCondition } from '../../db/prepared.js';
import { users } from '../../db/schema.js';
import { renderChangeAddressEmail } from '../../mail/templates.js';
import { auditInsert, auditStepIf } from '../../audit/audit.js';
import { generateToken } from '../../lib/crypto.js';
import type { CanonicalEmail } from './email-address.js';
import {
  canonicalOrRefuse,
  invalidCode,
  invalidLink,
  recordFailure,
  sendLinkAndCode,
  type EmailDeps,
} from './email-sign-in.js';
import { AuthError } from '../errors.js';
import {
  codeMatches,
  consumedBy,
  consumeStep,
  findById,
  findByToken,
  findLiveForEmail,
  isLive,
  MAX_CODE_ATTEMPTS,
  recordWrongCode,
  type EmailTokenRow,
} from './magic-links.js';
import { enforceMailLimits } from './mail-limits.js';
import { notifyAccount } from '../account/notify-account.js';
import { assertRecentSignIn, type Authenticated } from '../sessions/presence.js';
import type { RequestContext } from '../sessions/sessions.js';
import type { UserRow } from '../account/users.js';
import { findUserByEmail, findUserById } from '../account/users.js';

/** POST /auth/email/change: see the module header. Resolves before the address is even looked up. */
export async function startEmailChange(
  deps: EmailDeps,
  { auth, email: raw, context = {} }: { auth: Authenticated; email: string; context?: RequestContext },
): Promise<void> {
  // Moving the account to another mailbox hands that mailbox the account: only a fresh proof may ask.
  assertRecentSignIn(deps, auth.session);
  const email = canonicalOrRefuse(raw);
  if (email === auth.user.email)
    throw new AuthError('INVALID_REQUEST', 'email: this is already your account’s address');
  // The same caps as any message to a mailbox, whoever asks (and whatever the address is): mail-limits.ts.
  await enforceMailLimits(deps, { email, clientAddress: context.clientAddress });
  await auditInsert(deps.db, {
    at: deps.clock(),
    type: 'email.change_requested',
    userId: auth.user.id,
    sessionId: auth.session.id,
    clientAddress: context.clientAddress,
    userAgent: context.userAgent,
  });
  // No enumeration, in the answer or its timing: the address is looked up only after the answer
  // (deps.defer), so a taken one answers exactly as a free one does, as fast, and its owner hears of it.
  deps.defer(
    afterTheAnswer()
      .then(() => mailNewAddress(deps, { email, userId: auth.user.id, context }))
      .catch((err: unknown) =>
        deps.logger.log('error', 'address change mail could not be stored', { error: String(err).slice(0, 300) }),
      ),
  );
}

/** Resolves on a later turn of the event loop: by then the 202 has left (a synchronous driver included). */
const afterTheAnswer = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** After the answer: a link and code for a free address, a notice for the owner of a taken one. */
async function mailNewAddress(
  deps: EmailDeps,
  { email, userId, context }: { email: CanonicalEmail; userId: string; context: RequestContext },
): Promise<void> {
  if (await findUserByEmail(deps.db, email)) {
    await notifyAccount(deps, { email, notice: { kind: 'address_taken' }, context });
    return;
  }
  await sendLinkAndCode(deps, { email, purpose: 'change', userId, render: renderChangeAddressEmail, context });
}

type ChangeProof = { token: string } | { email: string; code: string };

/** The live 'change' row the proof names, or a refusal (401), counting wrong codes as sign-in does. */
async function provenRow(deps: EmailDeps, proof: ChangeProof, context: RequestContext): Promise<EmailTokenRow> {
  const now = deps.clock();
  if ('token' in proof) {
    const row = await findByToken(deps, proof.token);
    // A sign-in link is not an address change, and the reverse (module header).
    if (!row || !isLive(row, now) || row.purpose !== 'change') {
      await recordFailure(deps, {
        via: 'link',
        email: row?.email,
        reason: row ? 'used, expired or not a change' : 'unknown',
        context,
      });
      throw invalidLink();
    }
    return row;
  }
  const email = canonicalOrRefuse(proof.email);
  const row = await findLiveForEmail(deps.db, email, now);
  if (row?.purpose !== 'change') {
    await recordFailure(deps, { via: 'code', email, reason: 'no live change code', context });
    throw invalidCode();
  }
  // Compared even when the code is dead already, so both answers take the same time.
  const matches = await codeMatches(deps, row, proof.code);
  if (row.failedAttempts >= MAX_CODE_ATTEMPTS) {
    await recordFailure(deps, { via: 'code', email, reason: 'too many wrong codes', context });
    throw invalidCode();
  }
  if (!matches) {
    // Counted atomically: parallel guesses cannot get more than MAX_CODE_ATTEMPTS tries between them.
    const attempts = await recordWrongCode(deps.db, row);
    await recordFailure(deps, { via: 'code', email, reason: 'wrong code', attempts, context });
    throw invalidCode();
  }
  return row;
}

/** POST /auth/email/change/verify: the account with its new address (see the module header). */
export async function verifyEmailChange(
  deps: EmailDeps,
  { proof, context = {} }: { proof: ChangeProof; context?: RequestContext },
): Promise<UserRow> {
  const { db, clock } = deps;
  const byCode = !('token' in proof);
  const via = byCode ? 'code' : 'link';
  const row = await provenRow(deps, proof, context);
  const before = row.userId ? await findUserById(db, row.userId) : null;
  const refuse = async (reason: string, message?: string) => {
    await recordFailure(deps, { via, email: row.email, reason, context });
    if (message) throw new AuthError(byCode ? 'INVALID_CODE' : 'INVALID_LINK', message);
    throw byCode ? invalidCode() : invalidLink();
  };
  if (!before) return refuse('account gone', 'The account that asked for this address no longer exists');

  const now = clock();
  const nonce = generateToken();
  const ours = consumedBy(row, nonce);
  const p = sql.placeholder;
  // The address must still be free, and the account still there, when the row is used up.
  const addressFree: PreparedCondition = {
    key: 'addressFreeForAccount',
    build: () => and(noRow(users, eq(users.email, p('free.email'))), anyRow(users, eq(users.id, p('free.userId'))))!,
    values: { 'free.email': row.email, 'free.userId': before.id },
  };
  const changeAddress = prepared(db, `users.changeAddress ${ours.key}`, (orm) =>
    orm
      .update(users)
      .set({ email: sql`${p('change.email')}`, emailVerified: true })
      .where(and(eq(users.id, p('change.userId')), ours.build()))
      .prepare(),
  );
  const [consumed] = (await db.batchPrepared([
    consumeStep(db, { row, nonce, now, byCode, also: addressFree }),
    {
      statement: changeAddress,
      values: placeholderValues(ours.values, { 'change.email': row.email, 'change.userId': before.id }),
    },
    auditStepIf(
      db,
      {
        at: now,
        type: 'account.email_changed',
        userId: before.id,
        clientAddress: context.clientAddress,
        userAgent: context.userAgent,
        detail: { via },
      },
      ours,
    ),
  ])) as [{ id: string }[]];
  if (consumed.length !== 1) {
    const again = await findById(db, row.id);
    if (again && isLive(again, clock()) && (await findUserByEmail(db, row.email)))
      return refuse('address taken meanwhile', 'This address has an account now; sign in with it instead');
    return refuse('used or expired');
  }
  const after = (await findUserById(db, before.id))!;
  await notifyAccount(deps, {
    email: before.email,
    notice: { kind: 'address_changed', newEmail: after.email },
    context,
  });
  return after;
}
