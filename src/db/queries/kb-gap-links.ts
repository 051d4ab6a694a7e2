import { desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client.js';
import { kbArticleGapTickets } from '../schema/kb-gap-links.js';
import { tickets } from '../schema/tickets.js';

/**
 * Links an article to the gap tickets it was written for; ids of tickets that do not exist (or
 * were erased since the report) are skipped, links already there are kept. Returns the ticket
 * ids now linked by this call.
 */
export async function linkArticleToGapTickets(
  db: Db,
  articleId: string,
  ticketIds: readonly string[],
): Promise<string[]> {
  const ids = [...new Set(ticketIds)];
  if (ids.length === 0) return [];
  const existing = await db
    .select({ id: tickets.id })
    .from(tickets)
    .where(inArray(tickets.id, ids));
  if (existing.length === 0) return [];
  const rows = await db
    .insert(kbArticleGapTickets)
    .values(existing.map((t) => ({ articleId, ticketId: t.id })))
    .onConflictDoNothing()
    .returning({ ticketId: kbArticleGapTickets.ticketId });
  return rows.map((r) => r.ticketId);
}

/** The tickets an article was written for (newest first), with what the page shows of them. */
export async function listArticleGapTickets(db: Db, articleId: string) {
  return db
    .select({
      ticketId: kbArticleGapTickets.ticketId,
      subject: tickets.subject,
      linkedAt: kbArticleGapTickets.createdAt,
    })
    .from(kbArticleGapTickets)
    .innerJoin(tickets, eq(tickets.id, kbArticleGapTickets.ticketId))
    .where(eq(kbArticleGapTickets.articleId, articleId))
    .orderBy(desc(kbArticleGapTickets.createdAt), kbArticleGapTickets.ticketId);
}

/** Subjects of the given tickets (those that exist), for the "write an article" form. */
export async function listGapTicketSubjects(db: Db, ticketIds: readonly string[]) {
  if (ticketIds.length === 0) return [];
  return db
    .select({ id: tickets.id, subject: tickets.subject })
    .from(tickets)
    .where(inArray(tickets.id, [...ticketIds]))
    .orderBy(desc(tickets.createdAt));
}
