CREATE INDEX "ticket_metrics_open_created_idx" ON "ticket_metrics" USING btree ("created_at") WHERE "ticket_metrics"."solved_at" is null;--> statement-breakpoint
CREATE INDEX "ticket_metrics_solved_idx" ON "ticket_metrics" USING btree ("solved_at");--> statement-breakpoint
CREATE INDEX "ticket_metrics_reopened_idx" ON "ticket_metrics" USING btree ("solved_at") WHERE "ticket_metrics"."reopens" > 0;