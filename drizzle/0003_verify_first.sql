ALTER TABLE `sessions` ADD `reauthenticated_at` integer;--> statement-breakpoint
ALTER TABLE `webauthn_challenges` DROP COLUMN `email`;--> statement-breakpoint
ALTER TABLE `webauthn_challenges` DROP COLUMN `pending_user_id`;--> statement-breakpoint
/* Verify-first sign-up (README "Upgrading"): nothing a person had is deleted. An account whose
   address was never proved keeps its id, passkeys and sessions, but not the address: it is
   released (the account gets `<id>@unverified.invalid`, which no one can receive mail at), so the
   address's owner can sign up with it and no passkey made before the proof opens their account.
   The released address is kept in the audit log; the holder proves an address from the account
   page. */
INSERT INTO `audit_events` (`at`, `type`, `user_id`, `detail`)
  SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), 'account.address_released', `id`, json_object('previousEmail', `email`)
  FROM `users` WHERE `email_verified` = 0;--> statement-breakpoint
UPDATE `users` SET `email` = `id` || '@unverified.invalid' WHERE `email_verified` = 0;--> statement-breakpoint
/* Confirmations mailed after a passkey sign-up confirmed an address the account no longer has. */
UPDATE `email_tokens` SET `consumed_at` = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
  WHERE `purpose` = 'confirm' AND `consumed_at` IS NULL;
