import { jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, timestamps } from './columns.js';
import { users } from './users.js';

/** A ticket-list filter an agent saved under a name (their own; `/app/tickets`, `?view=<id>`). */
export const savedViews = pgTable(
  'saved_views',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The list filters (`TicketListFilters` minus cursor/limit), validated on read. */
    filters: jsonb('filters').$type<Record<string, unknown>>().notNull().default({}),
    ...timestamps(),
  },
  (t) => [uniqueIndex('saved_views_user_name_uq').on(t.userId, t.name)],
);

export type SavedView = typeof savedViews.$inferSelect;
