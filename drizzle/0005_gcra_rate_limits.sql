-- Rate limits become GCRA rows (auth/rate-limit.ts). The old fixed-window counters hold nothing worth
-- keeping (at most an hour of counts), so the table is replaced rather than converted.
DROP TABLE `rate_limits`;--> statement-breakpoint
CREATE TABLE `rate_limits` (
	`key` text PRIMARY KEY NOT NULL,
	`tat` integer NOT NULL,
	`allowed` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rate_limits_tat_idx` ON `rate_limits` (`tat`);
