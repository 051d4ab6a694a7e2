ALTER TABLE "kb_answered_questions" ADD COLUMN "lexemes_key" text;--> statement-breakpoint
UPDATE "kb_answered_questions" SET "lexemes_key" = md5(array_to_string("lexemes", ' '));--> statement-breakpoint
ALTER TABLE "kb_answered_questions" ALTER COLUMN "lexemes_key" SET NOT NULL;--> statement-breakpoint
-- Lessons learned twice for one article (the same words) before this index: the oldest stays.
DELETE FROM "kb_answered_questions" a USING "kb_answered_questions" b
WHERE a.article_id = b.article_id AND a.lexemes_key = b.lexemes_key
  AND (a.created_at, a.id) > (b.created_at, b.id);--> statement-breakpoint
CREATE UNIQUE INDEX "kb_answered_questions_article_lexemes_uq" ON "kb_answered_questions" USING btree ("article_id","lexemes_key");
