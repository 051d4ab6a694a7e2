CREATE TABLE "kb_articles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"format" text NOT NULL,
	"url" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"language" text DEFAULT 'en' NOT NULL,
	"product" text,
	"content_hash" text NOT NULL,
	"indexed_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kb_chunks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"article_id" uuid NOT NULL,
	"ordinal" integer NOT NULL,
	"section" text DEFAULT '' NOT NULL,
	"text" text NOT NULL,
	"text_config" text NOT NULL,
	"language" text NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"product" text,
	"title_length" integer NOT NULL,
	"section_length" integer NOT NULL,
	"body_length" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kb_chunk_embeddings" (
	"chunk_id" uuid NOT NULL,
	"model" text NOT NULL,
	"embedding" vector NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "kb_chunk_embeddings_model_chunk_id_pk" PRIMARY KEY("model","chunk_id")
);
--> statement-breakpoint
CREATE TABLE "kb_embedding_models" (
	"name" text PRIMARY KEY NOT NULL,
	"dimension" integer NOT NULL,
	"state" text DEFAULT 'building' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ready_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "kb_corpus_stats" (
	"text_config" text PRIMARY KEY NOT NULL,
	"chunks" integer DEFAULT 0 NOT NULL,
	"title_length_sum" integer DEFAULT 0 NOT NULL,
	"section_length_sum" integer DEFAULT 0 NOT NULL,
	"body_length_sum" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kb_postings" (
	"text_config" text NOT NULL,
	"lexeme" text NOT NULL,
	"chunk_id" uuid NOT NULL,
	"title_tf" integer DEFAULT 0 NOT NULL,
	"section_tf" integer DEFAULT 0 NOT NULL,
	"body_tf" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "kb_postings_text_config_lexeme_chunk_id_pk" PRIMARY KEY("text_config","lexeme","chunk_id")
);
--> statement-breakpoint
ALTER TABLE "kb_chunks" ADD CONSTRAINT "kb_chunks_article_id_kb_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "public"."kb_articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kb_chunk_embeddings" ADD CONSTRAINT "kb_chunk_embeddings_chunk_id_kb_chunks_id_fk" FOREIGN KEY ("chunk_id") REFERENCES "public"."kb_chunks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kb_postings" ADD CONSTRAINT "kb_postings_chunk_id_kb_chunks_id_fk" FOREIGN KEY ("chunk_id") REFERENCES "public"."kb_chunks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "kb_articles_source_external_id_uq" ON "kb_articles" USING btree ("source","external_id");--> statement-breakpoint
CREATE INDEX "kb_articles_unindexed_idx" ON "kb_articles" USING btree ("id") WHERE "kb_articles"."indexed_hash" is distinct from "kb_articles"."content_hash";--> statement-breakpoint
CREATE UNIQUE INDEX "kb_chunks_article_ordinal_uq" ON "kb_chunks" USING btree ("article_id","ordinal");--> statement-breakpoint
CREATE INDEX "kb_chunks_tags_idx" ON "kb_chunks" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "kb_chunk_embeddings_chunk_idx" ON "kb_chunk_embeddings" USING btree ("chunk_id");--> statement-breakpoint
CREATE INDEX "kb_postings_chunk_idx" ON "kb_postings" USING btree ("chunk_id");