ALTER TABLE "ticket_metrics" ADD COLUMN "agent_created" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "ticket_metrics" ADD COLUMN "ai_first_reply_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ticket_metrics" ADD COLUMN "ai_first_reply_seconds" double precision;--> statement-breakpoint
ALTER TABLE "ticket_metrics" ADD COLUMN "first_solved_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ticket_metrics" ADD COLUMN "drafts_delivered" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ticket_metrics" ADD COLUMN "drafts_awaiting_delivery" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ticket_metrics" ADD COLUMN "drafts_delivery_failed" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- The definitions changed: the next refresh recomputes every ticket.
DELETE FROM "metrics_refresh_state";