ALTER TABLE `sessions` ADD `refresh_gen` integer;--> statement-breakpoint
ALTER TABLE `sessions` ADD `refresh_hash` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `refresh_at` integer;--> statement-breakpoint
ALTER TABLE `sessions` ADD `refresh_prev_hash` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `refresh_prev_sealed` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `refresh_prev_at` integer;--> statement-breakpoint
CREATE INDEX `sessions_sealed_idx` ON `sessions` (`refresh_at`) WHERE "sessions"."refresh_prev_sealed" IS NOT NULL;