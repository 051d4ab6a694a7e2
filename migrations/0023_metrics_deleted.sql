ALTER TABLE "ticket_metrics" ADD COLUMN "deleted" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Deleted tickets are excluded from metrics: the next refresh recomputes every ticket.
DELETE FROM "metrics_refresh_state";
