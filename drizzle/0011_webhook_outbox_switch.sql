CREATE TABLE `webhook_outbox` (
	`id` integer PRIMARY KEY NOT NULL,
	`enabled` integer NOT NULL
);--> statement-breakpoint
-- The outbox triggers of 0009, again, each with one more condition: no row is written while the
-- switch in webhook_outbox is off (housekeeping turns it off when WEBHOOK_URL is unset: nobody would
-- be posted to, and the prune deleted those rows anyway). No row in webhook_outbox means on.
-- Hand-written below the table: keep it when regenerating migrations.
DROP TRIGGER `webhook_user_created`;
--> statement-breakpoint
CREATE TRIGGER `webhook_user_created` AFTER INSERT ON `audit_events`
WHEN (NEW.type = 'account.created') AND NOT EXISTS (SELECT 1 FROM `webhook_outbox` WHERE `enabled` = 0)
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'user.created',
    json_object('type', 'user.created', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('user', json_object('id', u.id, 'email', u.email))),
    NEW.at, 'pending', 0, NEW.at
  FROM `users` u WHERE u.id = NEW.user_id;
END;
--> statement-breakpoint
DROP TRIGGER `webhook_user_disabled`;
--> statement-breakpoint
CREATE TRIGGER `webhook_user_disabled` AFTER INSERT ON `audit_events`
WHEN (NEW.type = 'admin.user_disabled') AND NOT EXISTS (SELECT 1 FROM `webhook_outbox` WHERE `enabled` = 0)
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'user.disabled',
    json_object('type', 'user.disabled', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('user', json_object('id', u.id, 'email', u.email))),
    NEW.at, 'pending', 0, NEW.at
  FROM `users` u WHERE u.id = NEW.user_id;
END;
--> statement-breakpoint
DROP TRIGGER `webhook_user_enabled`;
--> statement-breakpoint
CREATE TRIGGER `webhook_user_enabled` AFTER INSERT ON `audit_events`
WHEN (NEW.type = 'admin.user_enabled') AND NOT EXISTS (SELECT 1 FROM `webhook_outbox` WHERE `enabled` = 0)
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'user.enabled',
    json_object('type', 'user.enabled', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('user', json_object('id', u.id, 'email', u.email))),
    NEW.at, 'pending', 0, NEW.at
  FROM `users` u WHERE u.id = NEW.user_id;
END;
--> statement-breakpoint
DROP TRIGGER `webhook_user_deleted`;
--> statement-breakpoint
CREATE TRIGGER `webhook_user_deleted` AFTER INSERT ON `audit_events`
WHEN (NEW.type = 'admin.user_deleted') AND NOT EXISTS (SELECT 1 FROM `webhook_outbox` WHERE `enabled` = 0)
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'user.deleted',
    json_object('type', 'user.deleted', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('user', json_object('id', NEW.user_id, 'email', json_extract(NEW.detail, '$.email')))),
    NEW.at, 'pending', 0, NEW.at;
END;
--> statement-breakpoint
DROP TRIGGER `webhook_session_created`;
--> statement-breakpoint
CREATE TRIGGER `webhook_session_created` AFTER INSERT ON `audit_events`
WHEN (NEW.type = 'session.started') AND NOT EXISTS (SELECT 1 FROM `webhook_outbox` WHERE `enabled` = 0)
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'session.created',
    json_object('type', 'session.created', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('userId', NEW.user_id, 'sessionId', NEW.session_id)),
    NEW.at, 'pending', 0, NEW.at;
END;
--> statement-breakpoint
DROP TRIGGER `webhook_session_revoked`;
--> statement-breakpoint
CREATE TRIGGER `webhook_session_revoked` AFTER INSERT ON `audit_events`
WHEN (NEW.type IN ('session.logout', 'session.revoked', 'session.refresh_reuse_detected')) AND NOT EXISTS (SELECT 1 FROM `webhook_outbox` WHERE `enabled` = 0)
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'session.revoked',
    json_object('type', 'session.revoked', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('userId', s.user_id, 'sessionId', s.id)),
    NEW.at, 'pending', 0, NEW.at
  FROM `sessions` s WHERE s.id = NEW.session_id AND s.revoked_at = NEW.at;
END;
--> statement-breakpoint
DROP TRIGGER `webhook_sessions_revoked`;
--> statement-breakpoint
CREATE TRIGGER `webhook_sessions_revoked` AFTER INSERT ON `audit_events`
WHEN (NEW.type IN ('session.logout_all', 'admin.user_disabled', 'admin.sessions_revoked')) AND NOT EXISTS (SELECT 1 FROM `webhook_outbox` WHERE `enabled` = 0)
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'session.revoked',
    json_object('type', 'session.revoked', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('userId', s.user_id, 'sessionId', s.id)),
    NEW.at, 'pending', 0, NEW.at
  FROM `sessions` s WHERE s.user_id = NEW.user_id AND s.revoked_at = NEW.at AND s.revoked_reason = json_extract(NEW.detail, '$.reason');
END;
--> statement-breakpoint
DROP TRIGGER `webhook_passkey_created`;
--> statement-breakpoint
CREATE TRIGGER `webhook_passkey_created` AFTER INSERT ON `audit_events`
WHEN (NEW.type = 'passkey.registered') AND NOT EXISTS (SELECT 1 FROM `webhook_outbox` WHERE `enabled` = 0)
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'passkey.created',
    json_object('type', 'passkey.created', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('userId', NEW.user_id, 'passkeyId', json_extract(NEW.detail, '$.credentialId'))),
    NEW.at, 'pending', 0, NEW.at;
END;
--> statement-breakpoint
DROP TRIGGER `webhook_passkey_deleted`;
--> statement-breakpoint
CREATE TRIGGER `webhook_passkey_deleted` AFTER INSERT ON `audit_events`
WHEN (NEW.type = 'passkey.deleted') AND NOT EXISTS (SELECT 1 FROM `webhook_outbox` WHERE `enabled` = 0)
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'passkey.deleted',
    json_object('type', 'passkey.deleted', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('userId', NEW.user_id, 'passkeyId', json_extract(NEW.detail, '$.credentialId'))),
    NEW.at, 'pending', 0, NEW.at;
END;
--> statement-breakpoint
DROP TRIGGER `webhook_account_deleted`;
--> statement-breakpoint
CREATE TRIGGER `webhook_account_deleted` AFTER INSERT ON `audit_events`
WHEN (NEW.type = 'account.deleted') AND NOT EXISTS (SELECT 1 FROM `webhook_outbox` WHERE `enabled` = 0)
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'user.deleted',
    json_object('type', 'user.deleted', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('user', json_object('id', NEW.user_id, 'email', coalesce(json_extract(NEW.detail, '$.email'), (SELECT email FROM `users` WHERE id = NEW.user_id))))),
    NEW.at, 'pending', 0, NEW.at;
END;
--> statement-breakpoint
DROP TRIGGER `webhook_account_email_changed`;
--> statement-breakpoint
CREATE TRIGGER `webhook_account_email_changed` AFTER INSERT ON `audit_events`
WHEN (NEW.type = 'account.email_changed') AND NOT EXISTS (SELECT 1 FROM `webhook_outbox` WHERE `enabled` = 0)
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'user.email_changed',
    json_object('type', 'user.email_changed', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('user', json_object('id', NEW.user_id, 'email', coalesce((SELECT email FROM `users` WHERE id = NEW.user_id), json_extract(NEW.detail, '$.email'))))),
    NEW.at, 'pending', 0, NEW.at;
END;
