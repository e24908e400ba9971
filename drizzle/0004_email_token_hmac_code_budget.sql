CREATE TABLE `code_failures` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`mailbox` text NOT NULL,
	`kind` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `code_failures_mailbox_idx` ON `code_failures` (`mailbox`,`at`);--> statement-breakpoint
CREATE INDEX `code_failures_at_idx` ON `code_failures` (`at`);--> statement-breakpoint
CREATE TABLE `server_secrets` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `email_tokens` ADD `hash_scheme` text DEFAULT 'sha256' NOT NULL;