ALTER TABLE "tickets" ADD COLUMN "integration_key_id" text;--> statement-breakpoint
-- Tickets created through the generic webhook before this column existed belong to the key that
-- delivered their first event (the inbox row records it).
UPDATE "tickets" SET "integration_key_id" = (
	SELECT e."signature" ->> 'apiKeyId' FROM "inbox_events" e
	WHERE e."ticket_id" = "tickets"."id" AND e."source" = 'api'
	ORDER BY e."received_at", e."id" LIMIT 1
) WHERE "source" = 'api';
