CREATE TABLE "ai_interactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ticket_id" uuid,
	"step" text NOT NULL,
	"model" text NOT NULL,
	"prompt_version" text,
	"input_refs" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"output" jsonb NOT NULL,
	"latency_ms" integer NOT NULL,
	"prompt_tokens" integer,
	"completion_tokens" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "classifier_models" (
	"version" bigserial PRIMARY KEY NOT NULL,
	"algorithm" text NOT NULL,
	"feature_version" text NOT NULL,
	"labels" text[] NOT NULL,
	"trained_on" integer NOT NULL,
	"metrics" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"model" jsonb NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "routing_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"position" integer NOT NULL,
	"name" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"conditions" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"actions" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"continue_matching" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "taxonomy_categories" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"examples" text[] DEFAULT '{}'::text[] NOT NULL,
	"default_priority" text DEFAULT 'normal' NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ticket_triage" (
	"ticket_id" uuid PRIMARY KEY NOT NULL,
	"message_id" uuid,
	"category" text NOT NULL,
	"confidence" real NOT NULL,
	"decided_by" text NOT NULL,
	"priority" text NOT NULL,
	"sentiment" text NOT NULL,
	"language" text,
	"team" text,
	"queue" text,
	"assignee" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"sla_policy" text,
	"should_draft" boolean DEFAULT true NOT NULL,
	"matched_rules" text[] DEFAULT '{}'::text[] NOT NULL,
	"classifier_version" integer,
	"corrected_category" text,
	"corrected_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "training_examples" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"text" text NOT NULL,
	"label" text NOT NULL,
	"source" text NOT NULL,
	"ticket_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ai_interactions" ADD CONSTRAINT "ai_interactions_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_triage" ADD CONSTRAINT "ticket_triage_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_triage" ADD CONSTRAINT "ticket_triage_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_examples" ADD CONSTRAINT "training_examples_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ai_interactions_ticket_idx" ON "ai_interactions" USING btree ("ticket_id","created_at");--> statement-breakpoint
CREATE INDEX "ai_interactions_step_created_idx" ON "ai_interactions" USING btree ("step","created_at");--> statement-breakpoint
CREATE INDEX "classifier_models_active_idx" ON "classifier_models" USING btree ("active","version");--> statement-breakpoint
CREATE INDEX "routing_rules_position_idx" ON "routing_rules" USING btree ("position");--> statement-breakpoint
CREATE UNIQUE INDEX "taxonomy_categories_name_uq" ON "taxonomy_categories" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ticket_triage_category_idx" ON "ticket_triage" USING btree ("category");--> statement-breakpoint
CREATE INDEX "training_examples_label_idx" ON "training_examples" USING btree ("label");--> statement-breakpoint
CREATE UNIQUE INDEX "training_examples_ticket_uq" ON "training_examples" USING btree ("ticket_id");