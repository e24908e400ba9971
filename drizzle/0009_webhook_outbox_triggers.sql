-- Webhook outbox (API.md "Events"): every audit event that an application hears about also
-- writes its webhook_events row, from a trigger, so the event commits or rolls back together with
-- the change it reports (and its audit row), on better-sqlite3 and D1 alike, whoever writes the audit.
-- Revocations emit only when the session's revoked_at equals the audit time: the same batch did it.
-- account.deleted and admin.user_deleted take the address from detail.email (the users row is gone;
-- auth/account-deletion.ts writes it there and strips it from the audit row later in the same
-- batch), account.email_changed from the users row (the new address). Hand-written: keep it when regenerating migrations.
CREATE TRIGGER `webhook_user_created` AFTER INSERT ON `audit_events`
WHEN NEW.type = 'account.created'
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'user.created',
    json_object('type', 'user.created', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('user', json_object('id', u.id, 'email', u.email))),
    NEW.at, 'pending', 0, NEW.at
  FROM `users` u WHERE u.id = NEW.user_id;
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_user_disabled` AFTER INSERT ON `audit_events`
WHEN NEW.type = 'admin.user_disabled'
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'user.disabled',
    json_object('type', 'user.disabled', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('user', json_object('id', u.id, 'email', u.email))),
    NEW.at, 'pending', 0, NEW.at
  FROM `users` u WHERE u.id = NEW.user_id;
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_user_enabled` AFTER INSERT ON `audit_events`
WHEN NEW.type = 'admin.user_enabled'
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'user.enabled',
    json_object('type', 'user.enabled', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('user', json_object('id', u.id, 'email', u.email))),
    NEW.at, 'pending', 0, NEW.at
  FROM `users` u WHERE u.id = NEW.user_id;
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_user_deleted` AFTER INSERT ON `audit_events`
WHEN NEW.type = 'admin.user_deleted'
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'user.deleted',
    json_object('type', 'user.deleted', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('user', json_object('id', NEW.user_id, 'email', json_extract(NEW.detail, '$.email')))),
    NEW.at, 'pending', 0, NEW.at;
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_session_created` AFTER INSERT ON `audit_events`
WHEN NEW.type = 'session.started'
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'session.created',
    json_object('type', 'session.created', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('userId', NEW.user_id, 'sessionId', NEW.session_id)),
    NEW.at, 'pending', 0, NEW.at;
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_session_revoked` AFTER INSERT ON `audit_events`
WHEN NEW.type IN ('session.logout', 'session.revoked', 'session.refresh_reuse_detected')
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'session.revoked',
    json_object('type', 'session.revoked', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('userId', s.user_id, 'sessionId', s.id)),
    NEW.at, 'pending', 0, NEW.at
  FROM `sessions` s WHERE s.id = NEW.session_id AND s.revoked_at = NEW.at;
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_sessions_revoked` AFTER INSERT ON `audit_events`
WHEN NEW.type IN ('session.logout_all', 'admin.user_disabled', 'admin.sessions_revoked')
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'session.revoked',
    json_object('type', 'session.revoked', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('userId', s.user_id, 'sessionId', s.id)),
    NEW.at, 'pending', 0, NEW.at
  FROM `sessions` s WHERE s.user_id = NEW.user_id AND s.revoked_at = NEW.at AND s.revoked_reason = json_extract(NEW.detail, '$.reason');
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_passkey_created` AFTER INSERT ON `audit_events`
WHEN NEW.type = 'passkey.registered'
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'passkey.created',
    json_object('type', 'passkey.created', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('userId', NEW.user_id, 'passkeyId', json_extract(NEW.detail, '$.credentialId'))),
    NEW.at, 'pending', 0, NEW.at;
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_passkey_deleted` AFTER INSERT ON `audit_events`
WHEN NEW.type = 'passkey.deleted'
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'passkey.deleted',
    json_object('type', 'passkey.deleted', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('userId', NEW.user_id, 'passkeyId', json_extract(NEW.detail, '$.credentialId'))),
    NEW.at, 'pending', 0, NEW.at;
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_account_deleted` AFTER INSERT ON `audit_events`
WHEN NEW.type = 'account.deleted'
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'user.deleted',
    json_object('type', 'user.deleted', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('user', json_object('id', NEW.user_id, 'email', coalesce(json_extract(NEW.detail, '$.email'), (SELECT email FROM `users` WHERE id = NEW.user_id))))),
    NEW.at, 'pending', 0, NEW.at;
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_account_email_changed` AFTER INSERT ON `audit_events`
WHEN NEW.type = 'account.email_changed'
BEGIN
  INSERT INTO `webhook_events` (`id`, `type`, `body`, `created_at`, `status`, `attempts`, `next_attempt_at`)
  SELECT 'msg_' || lower(hex(randomblob(16))), 'user.email_changed',
    json_object('type', 'user.email_changed', 'timestamp', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at / 1000.0, 'unixepoch'), 'data', json_object('user', json_object('id', NEW.user_id, 'email', coalesce((SELECT email FROM `users` WHERE id = NEW.user_id), json_extract(NEW.detail, '$.email'))))),
    NEW.at, 'pending', 0, NEW.at;
END;
