ALTER TABLE "deliveries" ADD COLUMN "send_after" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "drafts" ADD COLUMN "saved_by" text;--> statement-breakpoint
ALTER TABLE "drafts" ADD COLUMN "saved_at" timestamp with time zone;