import { index, pgTable, primaryKey, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.js';
import { kbArticles } from './kb-articles.js';
import { tickets } from './tickets.js';

/**
 * An article written from a knowledge-base gap, linked to the tickets that revealed the gap (the
 * questions it would have answered). Tickets linked to an article leave the gap report; the
 * article and the tickets show each other.
 */
export const kbArticleGapTickets = pgTable(
  'kb_article_gap_tickets',
  {
    articleId: uuid('article_id')
      .notNull()
      .references(() => kbArticles.id, { onDelete: 'cascade' }),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.articleId, t.ticketId] }),
    index('kb_article_gap_tickets_ticket_idx').on(t.ticketId),
  ],
);

export type KbArticleGapTicket = typeof kbArticleGapTickets.$inferSelect;
