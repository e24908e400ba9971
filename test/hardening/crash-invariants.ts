/**
 * Rule D of the crash suite (see crash.test.ts): the rows a crash must never leave half-written.
 * Each query lists offenders; an empty result is a pass. Some rules read the crash load's shape:
 * one email sign-in per address, no logout, no passkey.
 */
import type Database from 'better-sqlite3';

/** Rule D, on a database handle; returns the problems found (none expected). */
export function halfWrittenRows(db: Database.Database, { revokedAllowed }: { revokedAllowed: boolean }): string[] {
  const problems: string[] = [];
  const none = (what: string, sql: string) => {
    const found = db.prepare(sql).all();
    if (found.length > 0) problems.push(`${what}: ${JSON.stringify(found.slice(0, 5))}`);
  };
  const integrity = db.pragma('integrity_check', { simple: true });
  if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`);
  none('foreign_key_check', 'PRAGMA foreign_key_check');
  none(
    'session without exactly one session.started',
    `SELECT id FROM sessions s WHERE (SELECT count(*) FROM audit_events a WHERE a.type = 'session.started' AND a.session_id = s.id) != 1`,
  );
  none(
    'session.started without its session',
    `SELECT session_id FROM audit_events a WHERE type = 'session.started' AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = a.session_id)`,
  );
  // Refresh state lives in the session row (self-describing tokens): all of it, or a legacy session's none of it.
  none(
    'session without a current refresh token',
    `SELECT id FROM sessions WHERE refresh_gen IS NULL OR refresh_hash IS NULL OR refresh_at IS NULL OR refresh_gen < 0`,
  );
  none(
    'first generation with a previous one',
    `SELECT id FROM sessions WHERE refresh_gen = 0 AND (refresh_prev_hash IS NOT NULL OR refresh_prev_sealed IS NOT NULL OR refresh_prev_at IS NOT NULL)`,
  );
  none(
    'rotated session without its previous generation',
    `SELECT id FROM sessions WHERE refresh_gen > 0 AND (refresh_prev_hash IS NULL OR refresh_prev_at IS NULL OR refresh_prev_at > refresh_at)`,
  );
  none('current and previous token the same', `SELECT id FROM sessions WHERE refresh_hash = refresh_prev_hash`);
  none(
    'refresh token hash shared by two sessions',
    `SELECT refresh_hash FROM sessions GROUP BY refresh_hash HAVING count(*) > 1`,
  );
  none('refresh_tokens row written since self-describing tokens', `SELECT hash FROM refresh_tokens`);
  none(
    'user without its session or account.created',
    `SELECT id FROM users u WHERE u.email_verified != 1 OR NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id) OR (SELECT count(*) FROM audit_events a WHERE a.type = 'account.created' AND a.user_id = u.id) != 1`,
  );
  none(
    'link without exactly one message',
    `SELECT id FROM email_tokens t WHERE (SELECT count(*) FROM mail_queue m WHERE m."to" = t.email AND m.expires_at = t.expires_at) != 1`,
  );
  none(
    'message without exactly one link',
    `SELECT id FROM mail_queue m WHERE (SELECT count(*) FROM email_tokens t WHERE t.email = m."to" AND t.expires_at = m.expires_at) != 1`,
  );
  none(
    'message not in the outbox or without email.sent',
    `SELECT id FROM mail_queue m WHERE m.status != 'outbox' OR (SELECT count(*) FROM audit_events a WHERE a.type = 'email.sent' AND json_extract(a.detail, '$.mailId') = m.id) != 1`,
  );
  none(
    'consumed_by without consumed_at',
    `SELECT id FROM email_tokens WHERE consumed_by IS NOT NULL AND consumed_at IS NULL`,
  );
  none(
    'used-up link without exactly one email session',
    `SELECT t.id FROM email_tokens t WHERE t.consumed_by IS NOT NULL AND (SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = t.email AND s.method = 'email') != 1`,
  );
  none(
    'email session without a used-up link',
    `SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE NOT EXISTS (SELECT 1 FROM email_tokens t WHERE t.email = u.email AND t.consumed_by IS NOT NULL)`,
  );
  none(
    'used-up link without exactly one email.verified',
    `SELECT t.id FROM email_tokens t WHERE t.consumed_by IS NOT NULL AND (SELECT count(*) FROM audit_events a JOIN users u ON u.id = a.user_id WHERE a.type = 'email.verified' AND u.email = t.email) != 1`,
  );
  if (!revokedAllowed)
    none(
      'revoked session (nothing in the load logs out)',
      'SELECT id, revoked_reason FROM sessions WHERE revoked_at IS NOT NULL',
    );
  else
    none(
      'session revoked other than by reuse detection',
      "SELECT id, revoked_reason FROM sessions WHERE revoked_at IS NOT NULL AND revoked_reason != 'refresh_reuse'",
    );
  return problems;
}
