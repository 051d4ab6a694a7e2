import { doublePrecision, index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id } from './columns.js';
import { drafts } from './drafts.js';
import { kbArticles } from './kb-articles.js';
import { tickets } from './tickets.js';

/**
 * What the team taught drafting: a customer's question (redacted, as retrieval reads it) and the
 * article an agent sent as its answer, recorded when an agent approves a draft citing it. A new
 * ticket asking the same is answered from that article (src/kb/answered.ts). The row goes with
 * its ticket (erasure, retention), its draft, and its article; a manager can remove it.
 */
export const kbAnsweredQuestions = pgTable(
  'kb_answered_questions',
  {
    id: id(),
    articleId: uuid('article_id')
      .notNull()
      .references(() => kbArticles.id, { onDelete: 'cascade' }),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    /** One lesson per approved draft: a retried approval teaches nothing twice. */
    draftId: uuid('draft_id')
      .notNull()
      .unique()
      .references(() => drafts.id, { onDelete: 'cascade' }),
    /** The article's text-search configuration: the question's words are stemmed as its are. */
    textConfig: text('text_config').notNull(),
    /** Subject and message, redacted, at most 1,000 characters. */
    question: text('question').notNull(),
    /** The question's distinct lexemes (numbers aside), and each one's IDF in the KB when learned. */
    lexemes: text('lexemes').array().notNull(),
    weights: doublePrecision('weights').array().notNull(),
    /**
     * The lexemes as one key: an article learns a question once (500 customers asking the same in
     * an incident teach one lesson, and keep the lookup small).
     */
    lexemesKey: text('lexemes_key').notNull(),
    /** The approving agent's email, shown with the lesson. */
    approvedBy: text('approved_by'),
    createdAt: createdAt(),
  },
  (t) => [
    index('kb_answered_questions_lexemes_idx').using('gin', t.lexemes),
    index('kb_answered_questions_article_idx').on(t.articleId, t.createdAt),
    index('kb_answered_questions_ticket_idx').on(t.ticketId),
    uniqueIndex('kb_answered_questions_article_lexemes_uq').on(t.articleId, t.lexemesKey),
  ],
);

export type KbAnsweredQuestion = typeof kbAnsweredQuestions.$inferSelect;
