DROP INDEX "tickets_overdue_idx";--> statement-breakpoint
CREATE INDEX "tickets_overdue_idx" ON "tickets" USING btree ("created_at","id") WHERE "tickets"."draft_state" in ('none', 'pending', 'abstained', 'rejected', 'delivery_failed', 'held') and "tickets"."status" not in ('solved', 'closed') and "tickets"."reply_due_at" is not null;--> statement-breakpoint
-- Existing tickets whose reply a guard held (latest draft delivery_failed, its delivery blocked)
-- read as held, as src/db/queries/draft-state.ts now derives them.
UPDATE tickets t SET draft_state = 'held', updated_at = t.updated_at
FROM (SELECT DISTINCT ON (ticket_id) id, ticket_id, status FROM drafts
      WHERE status <> 'withdrawn' ORDER BY ticket_id, version DESC) d
WHERE d.ticket_id = t.id AND t.draft_state = 'delivery_failed' AND d.status = 'delivery_failed'
  AND EXISTS (SELECT 1 FROM deliveries h WHERE h.draft_id = d.id AND h.state = 'blocked');
