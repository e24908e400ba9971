DROP INDEX `rate_limits_tat_idx`;--> statement-breakpoint
DROP INDEX `sessions_expiry_idx`;