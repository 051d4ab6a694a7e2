CREATE TABLE "saved_views" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"filters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ticket_search" (
	"ticket_id" uuid PRIMARY KEY NOT NULL,
	"document" "tsvector" NOT NULL
);
--> statement-breakpoint
ALTER TABLE "drafts" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "draft_state" text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "reply_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "saved_views" ADD CONSTRAINT "saved_views_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_search" ADD CONSTRAINT "ticket_search_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "saved_views_user_name_uq" ON "saved_views" USING btree ("user_id","name");--> statement-breakpoint
CREATE INDEX "ticket_search_document_idx" ON "ticket_search" USING gin ("document");--> statement-breakpoint
CREATE UNIQUE INDEX "drafts_ticket_idempotency_uq" ON "drafts" USING btree ("ticket_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "tickets_created_id_idx" ON "tickets" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_draft_state_created_idx" ON "tickets" USING btree ("draft_state","created_at","id");--> statement-breakpoint
CREATE INDEX "tickets_needs_human_idx" ON "tickets" USING btree ("created_at","id") WHERE "tickets"."draft_state" in ('none', 'abstained', 'rejected') and "tickets"."status" not in ('solved', 'closed') and not "tickets"."automated";--> statement-breakpoint
CREATE INDEX "tickets_overdue_idx" ON "tickets" USING btree ("created_at","id") WHERE "tickets"."draft_state" in ('none', 'pending', 'abstained', 'rejected', 'delivery_failed') and "tickets"."status" not in ('solved', 'closed') and "tickets"."reply_due_at" is not null;--> statement-breakpoint
-- The ticket list's search document (src/db/schema/ticket-search.ts): subject, requester (the
-- address also split at "@") and every message body, in the language-neutral `simple`
-- configuration. Rebuilt from the source rows for the given tickets.
CREATE FUNCTION deskpilot_rebuild_ticket_search(ids uuid[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO ticket_search (ticket_id, document)
  SELECT t.id,
    to_tsvector('simple', concat_ws(' ', t.subject, t.requester_name, t.requester_email,
      replace(t.requester_email, '@', ' ')))
    || coalesce((
      SELECT to_tsvector('simple', string_agg(
        left(coalesce(nullif(m.stripped_text, ''), m.body_text), 20000), ' ' ORDER BY m.created_at))
      FROM messages m WHERE m.ticket_id = t.id), ''::tsvector)
  FROM tickets t WHERE t.id = ANY(ids)
  ON CONFLICT (ticket_id) DO UPDATE SET document = excluded.document
$$;--> statement-breakpoint
CREATE FUNCTION deskpilot_ticket_search_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM deskpilot_rebuild_ticket_search(ARRAY(SELECT id FROM added));
  ELSE
    PERFORM deskpilot_rebuild_ticket_search(ARRAY(
      SELECT n.id FROM added n JOIN removed o ON o.id = n.id
      WHERE (n.subject, n.requester_name, n.requester_email)
        IS DISTINCT FROM (o.subject, o.requester_name, o.requester_email)));
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION deskpilot_ticket_search_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- The common case, one new message: append its text. A ticket inserted by the same statement
    -- has no row yet; the tickets trigger builds it, this message included.
    UPDATE ticket_search s SET document = s.document || a.document
    FROM (
      SELECT ticket_id, to_tsvector('simple', string_agg(
        left(coalesce(nullif(stripped_text, ''), body_text), 20000), ' ')) AS document
      FROM added GROUP BY ticket_id) a
    WHERE s.ticket_id = a.ticket_id;
  ELSE
    -- Anonymised or redacted text: rebuild, so nothing erased stays searchable.
    PERFORM deskpilot_rebuild_ticket_search(ARRAY(
      SELECT DISTINCT n.ticket_id FROM added n JOIN removed o ON o.id = n.id
      WHERE (n.body_text, n.stripped_text) IS DISTINCT FROM (o.body_text, o.stripped_text)));
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION deskpilot_ticket_search_tickets();--> statement-breakpoint
CREATE TRIGGER tickets_search_update AFTER UPDATE ON tickets
  REFERENCING OLD TABLE AS removed NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION deskpilot_ticket_search_tickets();--> statement-breakpoint
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION deskpilot_ticket_search_messages();--> statement-breakpoint
CREATE TRIGGER messages_search_update AFTER UPDATE ON messages
  REFERENCING OLD TABLE AS removed NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION deskpilot_ticket_search_messages();--> statement-breakpoint
SELECT deskpilot_rebuild_ticket_search(ARRAY(SELECT id FROM tickets));--> statement-breakpoint
-- Existing tickets: the state of their latest draft (the mapping of src/db/queries/draft-state.ts
-- as of this migration).
UPDATE tickets t SET draft_state = CASE
    WHEN d.kind = 'no_answer' AND d.status = 'pending_approval' THEN 'abstained'
    WHEN d.status IN ('pending_approval', 'superseded') THEN 'pending'
    WHEN d.status = 'rejected' THEN 'rejected'
    WHEN d.status = 'approved' THEN 'sending'
    WHEN d.status = 'sent' THEN 'answered'
    WHEN d.status = 'delivery_failed' THEN 'delivery_failed'
    ELSE 'none' END,
  reply_due_at = d.sla_due_at, updated_at = t.updated_at
FROM (SELECT DISTINCT ON (ticket_id) ticket_id, status, kind, sla_due_at FROM drafts
      ORDER BY ticket_id, version DESC) d
WHERE d.ticket_id = t.id;
