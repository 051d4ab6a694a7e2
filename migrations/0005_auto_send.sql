CREATE TABLE "auto_send_policies" (
	"category" text PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT false NOT NULL,
	"min_confidence" real DEFAULT 0.8 NOT NULL,
	"min_unchanged_rate" real DEFAULT 0.9 NOT NULL,
	"min_sample" integer DEFAULT 50 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
