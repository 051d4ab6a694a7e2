ALTER TABLE "drafts" ADD COLUMN "state" text DEFAULT 'answered' NOT NULL;--> statement-breakpoint
ALTER TABLE "drafts" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "drafts" ADD COLUMN "language" text;--> statement-breakpoint
ALTER TABLE "drafts" ADD COLUMN "regeneration" jsonb;--> statement-breakpoint
CREATE INDEX "drafts_state_created_idx" ON "drafts" USING btree ("state","created_at");--> statement-breakpoint
UPDATE "drafts" SET "state" = 'abstained' WHERE "kind" = 'no_answer';
