/**
 * Sign-in and sign-up by emailed link or code (API.md: /auth/email/start, /auth/email/verify).
 *
 * Start: the address is canonicalized (a refusal is a 400 and sends nothing), counted against
 * RATE_LIMIT_EMAILS_PER_HOUR, and one batch kills the older link and code of the address, stores
 * the new ones (hashes only, see magic-links.ts) and queues the message (mail/queue.ts). The
 * answer does not depend on whether the address has an account: start never even looks, so the
 * body, headers and database work are the same for known and unknown addresses; delivery runs in
 * the background.
 *
 * Verify: whoever shows the link token, or the address with its live code, has proved the address.
 * The account is resolved from what we read, and one batch (startSession's `before` + `guard`)
 * consumes the row, on the condition that the account is still as we read it, and applies the
 * outcome; every statement after the consume checks the nonce it wrote, so only the request that
 * used the row up changes anything or gets a session (20 parallel verifies of one token: one
 * success). If the account changed in between, nothing happened and we read again.
 *
 * Outcomes (amr ["otp"] in every case):
 * - no account for the address: one is created, verified (201, 'account.created'). This is the
 *   only way an account comes to exist (verify-first sign-up): passkeys are added afterwards by
 *   the signed-in person, so there is no unproven account to hijack or to replace;
 * - an account: a session for it (200);
 * - sent with the Bearer token of a session of that same account: a re-authentication of that
 *   session (its proof-of-presence time moves, same `sid`, 200), see sessions.ts;
 * - an account carried over from before verify-first whose address was released (README
 *   "Upgrading") has no deliverable address; a proof for it is refused like a dead link.
 * Wrong, used or expired: 401 INVALID_LINK / INVALID_CODE, audited 'email.verify_failed'. Wrong codes
 * also count against the mailbox's budget across codes (code-budget.ts): once it is spent, codes
 * are refused until a link succeeds; every successful proof clears it in its own batch.
 *
 * Long file: the rules above need this header; start, the two proofs and their shared outcome
 * code are one flow whose batches must be read together.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { anyRow, noRow } from '../../db/conditions.js';
import type { PreparedStep } from '../../db/db.js';
import { allOf, type PreparedCondition } from '../../db/prepared.js';
import { users } from '../../db/schema.js';
import { queueMail, type MailDeps } from '../../mail/queue.js';
import { deviceParts } from '../../lib/user-agent.js';
import { renderSignInEmail, type EmailTemplateInput, type RenderedEmail } from '../../mail/templates.js';
import { auditInsert, auditStepIf } from '../../audit/audit.js';
import { generateToken } from '../../lib/crypto.js';
import { codeBudgetHolds, isCodeBudgetSpent, recordCodeFailure, resetCodeBudget } from './code-budget.js';
import { canonicalizeEmail, mailboxOf, type CanonicalEmail } from './email-address.js';
import { AuthError } from '../errors.js';
import {
  codeMatches,
  consumedBy,
  consumeStep,
  findById,
  findByToken,
  findLiveForEmail,
  isLive,
  issueMagicLink,
  MAX_CODE_ATTEMPTS,
  recordWrongCode,
  type EmailTokenPurpose,
  type EmailTokenRow,
} from './magic-links.js';
import { enforceMailLimits } from './mail-limits.js';
import { acceptReturnTo, checkReturnTo } from '../return-to.js';
import { reauthenticateSession, type Authenticated } from '../sessions/presence.js';
import { startSession, type IssuedSession, type RequestContext, type SessionDeps } from '../sessions/sessions.js';
import type { UserRow } from '../account/users.js';
import { accountExists, createUserStep, findUserByEmail, isAddressDisabled, newUser } from '../account/users.js';

/** A sign-in's session and its mail: declared from the two, not from the app's whole Deps. */
export type EmailDeps = SessionDeps & MailDeps;

/** Re-reads when the account changed between our read and our batch; more means heavy contention. */
const MAX_RACES = 3;

export function canonicalOrRefuse(raw: string): CanonicalEmail {
  const result = canonicalizeEmail(raw);
  // A refused address is a 400 before anything is stored or sent.
  if (!result.ok) throw new AuthError('INVALID_REQUEST', `email: ${result.reason}`);
  return result.email;
}

/** Stores a fresh link and code for the address (killing older ones) and queues the message, in one batch. */
export async function sendLinkAndCode(
  deps: EmailDeps,
  {
    email,
    purpose,
    userId,
    returnTo = null,
    render,
    context = {},
  }: {
    email: CanonicalEmail;
    purpose: EmailTokenPurpose;
    userId: string | null;
    returnTo?: string | null;
    /** Who asked: the message names their device and the time (never the raw User-Agent). */
    context?: RequestContext;
    render: (input: EmailTemplateInput) => RenderedEmail;
  },
): Promise<void> {
  const now = deps.clock();
  const issued = await issueMagicLink(deps, { email, purpose, userId, returnTo, now });
  const requested = { device: deviceParts(context.userAgent), at: now };
  const { branding } = deps.config;
  const rendered = render({
    link: issued.link,
    code: issued.code,
    expiresInMinutes: deps.config.magicLinkTtl / 60,
    email,
    requested,
    branding,
    locale: context.locale,
  });
  const message = { to: email, ...rendered };
  const mail = queueMail(deps, message, { expiresAt: issued.row.expiresAt });
  await deps.db.batch([...issued.statements, ...mail.statements] as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
  mail.afterCommit();
}

/**
 * POST /auth/email/start: see the module header. Resolves once the message is stored, not sent.
 * `returnTo` (checked by return-to.ts before anything is counted or stored) is kept with the token.
 */
export async function startEmailSignIn(
  deps: EmailDeps,
  { email: raw, returnTo: rawReturnTo, context = {} }: { email: string; returnTo?: string; context?: RequestContext },
): Promise<void> {
  // An open-redirect target is refused before the address is even looked at.
  const returnTo = acceptReturnTo(deps, rawReturnTo, { clientAddress: context.clientAddress });
  const email = canonicalOrRefuse(raw);
  // Per mailbox and client, per mailbox, per client and per domain (mail-limits.ts): 429 when spent.
  await enforceMailLimits(deps, { email, clientAddress: context.clientAddress });
  // A disabled account gets no sign-in mail; the caller still sees 202, as for any address.
  if (await isAddressDisabled(deps.db, email)) return;
  await sendLinkAndCode(deps, {
    email,
    purpose: 'sign_in',
    userId: null,
    returnTo,
    render: renderSignInEmail,
    context,
  });
}

/**
 * For the link page: which address a live token proves, until when, and what for (a sign-in, or a
 * new address for a signed-in account: POST /auth/email/change/verify). Never consumes it.
 */
export async function emailLinkInfo(
  deps: Pick<SessionDeps, 'db' | 'clock' | 'secrets' | 'crypto'>,
  token: string,
): Promise<{ email: string; expiresAt: number; purpose: EmailTokenPurpose } | null> {
  const row = await findByToken(deps, token);
  if (!row || !isLive(row, deps.clock())) return null;
  return { email: row.email, expiresAt: row.expiresAt, purpose: row.purpose === 'change' ? 'change' : 'sign_in' };
}

export interface EmailSignInResult {
  issued: IssuedSession;
  /** True when an account was created (a new address): answer 201. */
  created: boolean;
  /** The `returnTo` given when the link and code were asked for (already checked), or null. */
  returnTo: string | null;
}

interface ProofInput {
  /** The signed-in caller, when the request carried a valid Bearer token. */
  auth?: Authenticated | null;
  context?: RequestContext;
}

/** POST /auth/email/verify with {token}. */
export async function verifyEmailLink(
  deps: EmailDeps,
  { token, auth = null, context = {} }: ProofInput & { token: string },
): Promise<EmailSignInResult> {
  const row = await findByToken(deps, token);
  // A link mailed to prove a new address (email-change.ts) is not a sign-in link.
  if (!row || !isLive(row, deps.clock()) || row.purpose !== 'sign_in') {
    await recordFailure(deps, { via: 'link', email: row?.email, reason: row ? 'used or expired' : 'unknown', context });
    throw invalidLink();
  }
  return completeProof(deps, { row, byCode: false, auth, context });
}

/** POST /auth/email/verify with {email, code}. */
export async function verifyEmailCode(
  deps: EmailDeps,
  { email: raw, code, auth = null, context = {} }: ProofInput & { email: string; code: string },
): Promise<EmailSignInResult> {
  const email = canonicalOrRefuse(raw);
  const mailbox = mailboxOf(email);
  // Across codes, a mailbox gets CODE_FAILURE_BUDGET wrong ones a day; then only a link opens it (code-budget.ts).
  if (await isCodeBudgetSpent(deps.db, mailbox, deps.clock())) {
    await recordFailure(deps, { via: 'code', email, reason: 'wrong-code budget spent', context });
    throw codeBudgetSpent();
  }
  const row = await findLiveForEmail(deps.db, email, deps.clock());
  if (row?.purpose !== 'sign_in') {
    await recordFailure(deps, { via: 'code', email, reason: 'no live code', context });
    throw invalidCode();
  }
  // Compared even when the code is dead already, so both answers take the same time.
  const matches = await codeMatches(deps, row, code);
  if (row.failedAttempts >= MAX_CODE_ATTEMPTS) {
    await recordFailure(deps, { via: 'code', email, reason: 'too many wrong codes', context });
    throw invalidCode();
  }
  if (!matches) {
    // Counted atomically: parallel guesses cannot get more than MAX_CODE_ATTEMPTS tries between them.
    const attempts = await recordWrongCode(deps.db, row);
    await recordCodeFailure(deps.db, mailbox, deps.clock());
    await recordFailure(deps, { via: 'code', email, reason: 'wrong code', attempts, context });
    throw invalidCode();
  }
  return completeProof(deps, { row, byCode: true, auth, context });
}

/** The stored returnTo, checked again: APP_ORIGINS may have lost its origin since the mail was sent. */
function keptReturnTo(deps: EmailDeps, row: EmailTokenRow): string | null {
  if (row.returnTo === null) return null;
  const check = checkReturnTo(deps.config, row.returnTo);
  return check.ok ? check.url : null;
}

export const invalidLink = () =>
  new AuthError('INVALID_LINK', 'This link is invalid, expired or already used; ask for a new one');
export const invalidCode = () =>
  new AuthError('INVALID_CODE', 'This code is wrong, expired or already used; ask for a new one if needed');
const codeBudgetSpent = () =>
  new AuthError(
    'INVALID_CODE',
    'Too many wrong codes for this address: open the link in the newest email instead (it still works), or ask for a new one',
  );

export async function recordFailure(
  deps: EmailDeps,
  {
    via,
    email,
    reason,
    attempts,
    context,
  }: { via: 'link' | 'code'; email?: string; reason: string; attempts?: number; context: RequestContext },
): Promise<void> {
  await auditInsert(deps.db, {
    at: deps.clock(),
    type: 'email.verify_failed',
    clientAddress: context.clientAddress,
    userAgent: context.userAgent,
    detail: { via, reason, ...(email ? { email } : {}), ...(attempts !== undefined ? { attempts } : {}) },
  });
}

type Plan =
  | { kind: 'create'; user: UserRow; precondition: PreparedCondition }
  | { kind: 'sign_in'; user: UserRow; precondition: PreparedCondition }
  | { kind: 'reauthenticate'; user: UserRow; auth: Authenticated; precondition: PreparedCondition };

/** What proving `row`'s address does, given the account we read (see the module header); null: refuse. */
function planFor(row: EmailTokenRow, existing: UserRow | null, auth: Authenticated | null, now: number): Plan | null {
  const p = sql.placeholder;
  if (!existing) {
    return {
      kind: 'create',
      user: newUser({ email: row.email, emailVerified: true, now }),
      // Nobody took the address meanwhile.
      precondition: {
        key: 'addressUnused',
        build: () => noRow(users, eq(users.email, p('plan.email'))),
        values: { 'plan.email': row.email },
      },
    };
  }
  // Only a migrated account with a released address is unverified; nobody can receive its mail.
  if (!existing.emailVerified) return null;
  // The account still holds the address, proved.
  const precondition: PreparedCondition = {
    key: 'accountAsRead',
    build: () =>
      anyRow(
        users,
        and(eq(users.id, p('plan.userId')), eq(users.email, p('plan.email')), eq(users.emailVerified, true)),
      ),
    values: { 'plan.userId': existing.id, 'plan.email': row.email },
  };
  if (auth && auth.user.id === existing.id) return { kind: 'reauthenticate', user: existing, auth, precondition };
  return { kind: 'sign_in', user: existing, precondition };
}

async function completeProof(
  deps: EmailDeps,
  {
    row: first,
    byCode,
    auth,
    context,
  }: { row: EmailTokenRow; byCode: boolean; auth: Authenticated | null; context: RequestContext },
): Promise<EmailSignInResult> {
  const { db, clock } = deps;
  let row = first;
  for (let race = 0; race < MAX_RACES; race++) {
    const now = clock();
    const existing = await findUserByEmail(db, row.email);
    const plan = planFor(row, existing, auth, now);
    const nonce = generateToken();
    const ours = consumedBy(row, nonce);
    const who = { clientAddress: context.clientAddress, userAgent: context.userAgent };
    const via = byCode ? 'code' : 'link';

    if (!plan) {
      await recordFailure(deps, { via, email: row.email, reason: 'address released', context });
      throw byCode ? invalidCode() : invalidLink();
    }

    const mailbox = mailboxOf(row.email);
    // A code proof consumes only while the mailbox's wrong-code budget holds, checked in the same statement.
    const also = byCode ? allOf(plan.precondition, codeBudgetHolds(mailbox, now)) : plan.precondition;
    // Every statement of the batch is prepared once per database and shape (db/prepared.ts).
    const before: PreparedStep[] = [
      consumeStep(db, { row, nonce, now, byCode, also }),
      resetCodeBudget(db, mailbox, ours),
    ];
    if (plan.kind === 'create') {
      before.push(
        createUserStep(db, plan.user, ours),
        auditStepIf(
          db,
          { at: now, type: 'account.created', userId: plan.user.id, ...who, detail: { method: 'email', via } },
          ours,
        ),
      );
    }
    before.push(
      auditStepIf(
        db,
        { at: now, type: 'email.verified', userId: plan.user.id, ...who, detail: { via, outcome: plan.kind } },
        ours,
      ),
    );

    // The session is written (or renewed) only by the request that used the row up, for an account that exists.
    const guard = allOf(ours, accountExists(plan.user.id));
    const issued =
      plan.kind === 'reauthenticate'
        ? await reauthenticateSession(deps, { auth: plan.auth, amr: ['otp'], context, before, guard })
        : await startSession(deps, { user: plan.user, method: 'email', amr: ['otp'], context, before, guard });
    if (issued) return { issued, created: plan.kind === 'create', returnTo: keptReturnTo(deps, row) };

    // Nothing was written. Either someone else used the row up (or it expired): refuse; or the
    // account changed between our read and our batch: read again and retry.
    const again = await findById(db, row.id);
    const stillUsable =
      again !== null && isLive(again, clock()) && (!byCode || again.failedAttempts < MAX_CODE_ATTEMPTS);
    if (!stillUsable) {
      await recordFailure(deps, { via, email: row.email, reason: 'used or expired', context });
      throw byCode ? invalidCode() : invalidLink();
    }
    if (byCode && (await isCodeBudgetSpent(db, mailbox, clock()))) {
      await recordFailure(deps, { via, email: row.email, reason: 'wrong-code budget spent', context });
      throw codeBudgetSpent();
    }
    row = again;
  }
  throw new AuthError('SERVICE_BUSY', 'The account changed while signing in; try again', { retryAfter: 1 });
}
