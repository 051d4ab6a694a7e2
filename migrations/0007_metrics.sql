CREATE TABLE "metrics_refresh_state" (
	"id" integer PRIMARY KEY NOT NULL,
	"last_event_id" bigint DEFAULT 0 NOT NULL,
	"refreshed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ticket_metrics" (
	"ticket_id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"channel" text NOT NULL,
	"language" text,
	"automated" boolean NOT NULL,
	"merged" boolean NOT NULL,
	"category" text,
	"predicted_category" text,
	"corrected_category" text,
	"priority" text,
	"team" text,
	"queue" text,
	"first_reply_at" timestamp with time zone,
	"first_reply_seconds" double precision,
	"first_reply_business_seconds" double precision,
	"agent_replies" integer DEFAULT 0 NOT NULL,
	"human_replies" integer DEFAULT 0 NOT NULL,
	"ai_replies" integer DEFAULT 0 NOT NULL,
	"solved_at" timestamp with time zone,
	"resolution_seconds" double precision,
	"resolution_business_seconds" double precision,
	"reopens" integer DEFAULT 0 NOT NULL,
	"closed_ranges" "tstzmultirange",
	"sla_due_at" timestamp with time zone,
	"overdue" boolean DEFAULT false NOT NULL,
	"drafts_shown" integer DEFAULT 0 NOT NULL,
	"drafts_unchanged" integer DEFAULT 0 NOT NULL,
	"drafts_edited" integer DEFAULT 0 NOT NULL,
	"drafts_rejected" integer DEFAULT 0 NOT NULL,
	"drafts_auto_sent" integer DEFAULT 0 NOT NULL,
	"edit_distance_sum" integer DEFAULT 0 NOT NULL,
	"words_sent_sum" integer DEFAULT 0 NOT NULL,
	"draft_savings" double precision DEFAULT 0 NOT NULL,
	"last_event_id" bigint,
	"refreshed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ticket_metrics" ADD CONSTRAINT "ticket_metrics_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ticket_metrics_created_idx" ON "ticket_metrics" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "ticket_metrics_category_created_idx" ON "ticket_metrics" USING btree ("category","created_at");