CREATE TABLE "kb_answered_questions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"article_id" uuid NOT NULL,
	"ticket_id" uuid NOT NULL,
	"draft_id" uuid NOT NULL,
	"text_config" text NOT NULL,
	"question" text NOT NULL,
	"lexemes" text[] NOT NULL,
	"weights" double precision[] NOT NULL,
	"approved_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "kb_answered_questions_draft_id_unique" UNIQUE("draft_id")
);
--> statement-breakpoint
ALTER TABLE "kb_answered_questions" ADD CONSTRAINT "kb_answered_questions_article_id_kb_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "public"."kb_articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kb_answered_questions" ADD CONSTRAINT "kb_answered_questions_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kb_answered_questions" ADD CONSTRAINT "kb_answered_questions_draft_id_drafts_id_fk" FOREIGN KEY ("draft_id") REFERENCES "public"."drafts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "kb_answered_questions_lexemes_idx" ON "kb_answered_questions" USING gin ("lexemes");--> statement-breakpoint
CREATE INDEX "kb_answered_questions_article_idx" ON "kb_answered_questions" USING btree ("article_id","created_at");--> statement-breakpoint
CREATE INDEX "kb_answered_questions_ticket_idx" ON "kb_answered_questions" USING btree ("ticket_id");