CREATE TABLE "kb_article_gap_tickets" (
	"article_id" uuid NOT NULL,
	"ticket_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "kb_article_gap_tickets_article_id_ticket_id_pk" PRIMARY KEY("article_id","ticket_id")
);
--> statement-breakpoint
ALTER TABLE "kb_article_gap_tickets" ADD CONSTRAINT "kb_article_gap_tickets_article_id_kb_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "public"."kb_articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kb_article_gap_tickets" ADD CONSTRAINT "kb_article_gap_tickets_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "kb_article_gap_tickets_ticket_idx" ON "kb_article_gap_tickets" USING btree ("ticket_id");