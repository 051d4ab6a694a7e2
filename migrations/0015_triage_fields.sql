DROP INDEX "training_examples_ticket_uq";--> statement-breakpoint
DROP INDEX "classifier_models_active_idx";--> statement-breakpoint
DROP INDEX "training_examples_label_idx";--> statement-breakpoint
ALTER TABLE "classifier_models" ADD COLUMN "field" text DEFAULT 'category' NOT NULL;--> statement-breakpoint
ALTER TABLE "ticket_triage" ADD COLUMN "fields" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "training_examples" ADD COLUMN "field" text DEFAULT 'category' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "training_examples_ticket_field_uq" ON "training_examples" USING btree ("ticket_id","field");--> statement-breakpoint
CREATE INDEX "classifier_models_active_idx" ON "classifier_models" USING btree ("field","active","version");--> statement-breakpoint
CREATE INDEX "training_examples_label_idx" ON "training_examples" USING btree ("field","label");