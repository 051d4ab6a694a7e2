import { customType, index, pgTable, uuid } from 'drizzle-orm/pg-core';
import { tickets } from './tickets.js';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * The ticket list's full-text document: subject, requester and every message body of a ticket, as
 * one `simple`-configuration tsvector under a GIN index (`src/db/queries/ticket-list.ts` searches
 * it). A table of its own so that `select * from tickets` never drags the vectors along.
 *
 * Triggers keep it current (migration 0012): a new ticket or a changed subject/requester rebuilds
 * the row, a new message appends its text, an anonymised or redacted message rebuilds it. Messages
 * are written by several paths — the one-statement intake, the general intake transaction,
 * delivery, manual replies, retention and erasure — and a trigger is the one place none of them
 * can forget; erased customer text must not survive in the index.
 */
export const ticketSearch = pgTable(
  'ticket_search',
  {
    ticketId: uuid('ticket_id')
      .primaryKey()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    document: tsvector('document').notNull(),
  },
  (t) => [index('ticket_search_document_idx').using('gin', t.document)],
);
