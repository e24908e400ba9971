CREATE TABLE `dbsc_challenges` (
	`hash` text PRIMARY KEY NOT NULL,
	`purpose` text NOT NULL,
	`session_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `sessions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `dbsc_challenges_expiry_idx` ON `dbsc_challenges` (`expires_at`);--> statement-breakpoint
CREATE INDEX `dbsc_challenges_session_idx` ON `dbsc_challenges` (`session_id`);--> statement-breakpoint
ALTER TABLE `sessions` ADD `dbsc_key` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `dbsc_bound_at` integer;