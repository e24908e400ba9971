/**
 * The drizzle sqlite-core schema, shared by better-sqlite3 (Node) and D1 (Workers).
 *
 * Invariants:
 * - Times are integer milliseconds since the epoch (UTC); the API renders them as ISO 8601.
 * - Secrets (refresh tokens, link tokens, codes, challenges) are stored only as SHA-256 hashes,
 *   base64url text: the plaintext never touches the database.
 * - A migration that has been applied is never edited: change this file, then `npm run db:generate`.
 *
 * Long file: drizzle-kit generates migrations from this one schema, and each table's invariants are
 * documented beside its columns; splitting it would scatter the data model.
 */
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable('users', {
  /** Random UUIDv4: reveals neither order nor count. Also the WebAuthn user handle. */
  id: text('id').primaryKey(),
  /** Canonical form (see src/auth/email/email-address.ts); unique. */
  email: text('email').notNull().unique(),
  /**
   * Always true for an account made since verify-first sign-up (an account exists only once its
   * address is proved). False only for an account carried over from before, whose never-proved
   * address was released by migration 0003 (README "Upgrading"): it signs in with its passkeys.
   */
  emailVerified: integer('email_verified', { mode: 'boolean' }).notNull().default(false),
  createdAt: integer('created_at').notNull(),
});

export const sessions = sqliteTable(
  'sessions',
  {
    /** One row per sign-in; the `sid` claim. Stays the same across refreshes. */
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at').notNull(),
    idleExpiresAt: integer('idle_expires_at').notNull(),
    absoluteExpiresAt: integer('absolute_expires_at').notNull(),
    revokedAt: integer('revoked_at'),
    revokedReason: text('revoked_reason'),
    userAgent: text('user_agent'),
    clientAddress: text('client_address'),
    /** 'passkey' | 'email' */
    method: text('method').notNull(),
    /** JSON array of RFC 8176 values, copied into every access token of the session. */
    amr: text('amr').notNull(),
    /**
     * The last proof of presence after the sign-in (a re-authentication with a passkey, link or
     * code); null = the sign-in itself (created_at). "Recent sign-in" is measured from the later.
     */
    reauthenticatedAt: integer('reauthenticated_at'),
    /**
     * The refresh token state, O(1) per session however often it rotates (src/auth/sessions/refresh-tokens.ts).
     * Null generation: a session from before self-describing tokens, whose current token is still a
     * `refresh_tokens` row until it rotates once.
     */
    refreshGen: integer('refresh_gen'),
    /** SHA-256 of the current generation's token, base64url. */
    refreshHash: text('refresh_hash'),
    /** When the current generation was issued (= when the previous one was rotated). */
    refreshAt: integer('refresh_at'),
    /** The previous generation: its hash, and the current token sealed under it (the reuse window's answer). */
    refreshPrevHash: text('refresh_prev_hash'),
    refreshPrevSealed: text('refresh_prev_sealed'),
    /** When the previous generation was issued (= when the one before it was rotated). */
    refreshPrevAt: integer('refresh_prev_at'),
    /**
     * Device-bound sessions (DBSC, src/auth/sessions/dbsc.ts): the browser's public key (a P-256 JWK, JSON)
     * once it registered one; null = not bound, today's plain rotating cookie.
     */
    dbscKey: text('dbsc_key'),
    /** When the key was bound. */
    dbscBoundAt: integer('dbsc_bound_at'),
    /**
     * When the session's one registration offer was made (null = not yet): a session is offered
     * DBSC once, on its first response to a browser, not on every rotation (dbsc.ts).
     */
    dbscOfferedAt: integer('dbsc_offered_at'),
  },
  (t) => [
    index('sessions_user_idx').on(t.userId),
    // No index on the expiry times: the prune walks the table in rowid windows (auth/prune.ts), and
    // an OR over the three times could never use one; each sign-in wrote one entry for nothing.
    /** Only sessions still holding a sealed successor (rotated in the last minutes): the prune finds them without a scan. */
    index('sessions_sealed_idx').on(t.refreshAt).where(sql`${t.refreshPrevSealed} IS NOT NULL`),
    /** Only bound, unrevoked sessions: the sesame_dbsc_bound_sessions gauge counts them without a scan. */
    index('sessions_bound_idx').on(t.idleExpiresAt).where(sql`${t.dbscKey} IS NOT NULL AND ${t.revokedAt} IS NULL`),
  ],
);

/**
 * Refresh tokens issued before tokens became self-describing (one row per rotation). No new rows
 * are written: such a token rotates once into the session's own columns, and the rows stay until
 * the session is pruned, so every one of them is still recognised as reuse.
 */
export const refreshTokens = sqliteTable(
  'refresh_tokens',
  {
    /** SHA-256 of the token, base64url. */
    hash: text('hash').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    rotatedAt: integer('rotated_at'),
    successorHash: text('successor_hash'),
    /**
     * The successor token, AES-GCM encrypted under a key derived from *this* token: only a
     * holder of this token can read it, so a replay inside the reuse window can be answered
     * with the same successor (two tabs racing) without storing any token in plain text.
     */
    successorSealed: text('successor_sealed'),
  },
  (t) => [index('refresh_tokens_session_idx').on(t.sessionId)],
);

export const signingKeys = sqliteTable('signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  publicJwk: text('public_jwk').notNull(),
  /** `sealed:v1:...` (AES-256-GCM under SIGNING_KEY_SECRET) or `plain:...` in development. */
  privateJwk: text('private_jwk').notNull(),
  createdAt: integer('created_at').notNull(),
  /** When a newer key took over signing; null for the active key. */
  retiredAt: integer('retired_at'),
});

export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    type: text('type').notNull(),
    userId: text('user_id'),
    sessionId: text('session_id'),
    clientAddress: text('client_address'),
    userAgent: text('user_agent'),
    /** JSON object with event-specific details; never a secret. */
    detail: text('detail'),
  },
  (t) => [index('audit_events_at_idx').on(t.at), index('audit_events_user_idx').on(t.userId)],
);

/**
 * Rate limits shared by every instance (auth/rate-limit.ts, a GCRA): `key` names the limit and the
 * subject, `tat` is its theoretical arrival time (ms), `allowed` what the last hit was answered.
 */
export const rateLimits = sqliteTable(
  'rate_limits',
  {
    key: text('key').primaryKey(),
    tat: integer('tat').notNull(),
    allowed: integer('allowed', { mode: 'boolean' }).notNull(),
  },
  // No index on tat: every hit moves it (an index entry rewritten per /auth/* request); the prune
  // walks the table by rowid instead (auth/prune.ts).
);

/** Emailed sign-in links and codes: one live row per address (a new request kills the old). */
export const emailTokens = sqliteTable(
  'email_tokens',
  {
    id: text('id').primaryKey(),
    email: text('email').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    codeHash: text('code_hash').notNull(),
    /**
     * How token_hash and code_hash were made: 'hmac-v1' (HMAC-SHA-256 under the server's email-token
     * key, see auth/server-secrets.ts) for every row written now; 'sha256' for rows written before
     * that change, which keep working until they expire (at most MAGIC_LINK_TTL).
     */
    hashScheme: text('hash_scheme').notNull().default('sha256'),
    failedAttempts: integer('failed_attempts').notNull().default(0),
    /** 'sign_in' | 'change' (a signed-in person proving the new address of their account). */
    purpose: text('purpose').notNull().default('sign_in'),
    /** For purpose 'change': the account that gets this address once it is proved. */
    userId: text('user_id'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    consumedAt: integer('consumed_at'),
    /**
     * A random nonce written by the request that consumed the row, in the same statement: later
     * statements of that request's batch check it, so only the request that used a link or code up
     * starts a session with it (consumed_at alone cannot tell two requests in the same millisecond apart).
     */
    consumedBy: text('consumed_by'),
    /**
     * Where the person lands after signing in with this link or code (`returnTo` of
     * /auth/email/start, checked against PUBLIC_URL and APP_ORIGINS before it is stored), so a link
     * opened on another device still goes back to the app. Null: Sesame's own pages decide.
     */
    returnTo: text('return_to'),
  },
  (t) => [index('email_tokens_email_idx').on(t.email), index('email_tokens_expiry_idx').on(t.expiresAt)],
);

/**
 * Mail waiting to be handed to a transport, retried with backoff, and (in development) the outbox.
 * The body is wiped once sent; a message whose link expired is given up.
 */
export const mailQueue = sqliteTable(
  'mail_queue',
  {
    id: text('id').primaryKey(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html').notNull(),
    createdAt: integer('created_at').notNull(),
    /** 'pending' | 'sending' | 'sent' | 'failed' | 'outbox' */
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    lastError: text('last_error'),
    sentAt: integer('sent_at'),
  },
  (t) => [index('mail_queue_due_idx').on(t.status, t.nextAttemptAt), index('mail_queue_created_idx').on(t.createdAt)],
);

export const passkeys = sqliteTable(
  'passkeys',
  {
    /** Credential ID, base64url (at most 1023 bytes raw). */
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    publicKey: text('public_key').notNull(),
    counter: integer('counter').notNull(),
    transports: text('transports').notNull().default('[]'),
    backupEligible: integer('backup_eligible', { mode: 'boolean' }).notNull(),
    backedUp: integer('backed_up', { mode: 'boolean' }).notNull(),
    deviceType: text('device_type').notNull(),
    aaguid: text('aaguid').notNull(),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
  },
  (t) => [index('passkeys_user_idx').on(t.userId)],
);

export const webauthnChallenges = sqliteTable(
  'webauthn_challenges',
  {
    /** SHA-256 of the challenge, base64url. */
    hash: text('hash').primaryKey(),
    /** 'registration' | 'authentication' */
    ceremony: text('ceremony').notNull(),
    /** Adding a passkey: the signed-in user. Sign-in: null. */
    userId: text('user_id'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('webauthn_challenges_expiry_idx').on(t.expiresAt)],
);

/**
 * Wrong codes per mailbox (API.md "The emailed message"): 'failure' rows within 24 hours count
 * toward the budget; a 'lock' row, written when the budget is spent, refuses codes for that mailbox
 * until a link (or code) succeeds, which deletes the mailbox's rows.
 */
export const codeFailures = sqliteTable(
  'code_failures',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** mailboxOf(canonical address): spellings of one inbox share a budget. */
    mailbox: text('mailbox').notNull(),
    /** 'failure' | 'lock' */
    kind: text('kind').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [index('code_failures_mailbox_idx').on(t.mailbox, t.at), index('code_failures_at_idx').on(t.at)],
);

/**
 * Development only: secrets the server generated for itself because SIGNING_KEY_SECRET is unset
 * (kept like the unsealed development signing keys). In production every secret is derived from
 * SIGNING_KEY_SECRET and nothing is stored here.
 */
export const serverSecrets = sqliteTable('server_secrets', {
  name: text('name').primaryKey(),
  /** base64url */
  value: text('value').notNull(),
  createdAt: integer('created_at').notNull(),
});

/**
 * DBSC challenges, kept like WebAuthn challenges: only their SHA-256, single use (consumed by
 * DELETE ... RETURNING), short-lived, and tied to the session and step they were issued for.
 */
export const dbscChallenges = sqliteTable(
  'dbsc_challenges',
  {
    /** SHA-256 of the challenge, base64url. */
    hash: text('hash').primaryKey(),
    /** 'registration' | 'refresh' */
    purpose: text('purpose').notNull(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('dbsc_challenges_expiry_idx').on(t.expiresAt), index('dbsc_challenges_session_idx').on(t.sessionId)],
);

/**
 * Accounts an administrator disabled (API.md "Administration"): no sign-in, no sign-in mail, every
 * session revoked. A table of its own, so account creation never has to know about it.
 */
export const disabledUsers = sqliteTable('disabled_users', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  disabledAt: integer('disabled_at').notNull(),
  /** The admin key that disabled the account (its id). */
  disabledBy: text('disabled_by'),
});

/**
 * Administration keys (API.md "Administration"). The key is `sak_<id>_<secret>`; only the SHA-256
 * of the whole key is stored. `id` is the visible prefix that tells keys apart in lists and audit.
 */
export const adminKeys = sqliteTable('admin_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  hash: text('hash').notNull(),
  /** JSON array of scopes: users:read, users:write, metrics:read. */
  scopes: text('scopes').notNull(),
  createdAt: integer('created_at').notNull(),
  /** 'cli' | 'bootstrap' */
  createdBy: text('created_by').notNull(),
  lastUsedAt: integer('last_used_at'),
  revokedAt: integer('revoked_at'),
});

/**
 * The webhook outbox (API.md "Events"). Rows are written by triggers on audit_events (see the
 * migration 0009_webhook_outbox_triggers), so an event is committed in the same transaction as the change it reports.
 * `body` is the exact JSON that is signed and POSTed; `id` is the webhook-id, the same on every try.
 */
export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    body: text('body').notNull(),
    createdAt: integer('created_at').notNull(),
    /** 'pending' | 'sending' | 'delivered' | 'dead' */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    deliveredAt: integer('delivered_at'),
  },
  (t) => [
    index('webhook_events_due_idx').on(t.status, t.nextAttemptAt),
    index('webhook_events_created_idx').on(t.createdAt),
  ],
);

/**
 * Whether the outbox triggers write webhook_events rows (one row, id 1; none means on). Set from
 * WEBHOOK_URL by housekeeping (src/webhooks/outbox-switch.ts): with nobody to post to, a sign-in
 * writes no outbox row (the migration 0011_webhook_outbox_switch puts the switch into the triggers).
 */
export const webhookOutbox = sqliteTable('webhook_outbox', {
  id: integer('id').primaryKey(),
  enabled: integer('enabled', { mode: 'boolean' }).notNull(),
});

export const schema = {
  codeFailures,
  webhookOutbox,
  serverSecrets,
  users,
  sessions,
  refreshTokens,
  signingKeys,
  auditEvents,
  rateLimits,
  emailTokens,
  mailQueue,
  passkeys,
  webauthnChallenges,
  dbscChallenges,
  disabledUsers,
  adminKeys,
  webhookEvents,
};
export type Schema = typeof schema;
