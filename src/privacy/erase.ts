import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { rowsOf } from '../db/rows.js';
import { inboxEvents } from '../db/schema/inbox-events.js';
import { outbox } from '../db/schema/outbox.js';
import { tickets } from '../db/schema/tickets.js';
import { withTransaction } from '../db/tx.js';

export interface ErasureReport {
  email: string;
  tickets: number;
  inboxEvents: number;
  outboxRows: number;
  /** Messages on other customers' tickets that mentioned the address (redacted in place). */
  mentionsRedacted: number;
}

/**
 * Right to erasure (GDPR art. 17) for one customer, in one transaction: their tickets go, and with
 * them (ON DELETE CASCADE) messages, lifecycle events, triage, drafts, deliveries, model-call audit
 * rows and training labels derived from them; the webhook dedupe records and queued jobs that
 * point at those tickets go too; and the address is redacted wherever else it was written
 * (messages on other tickets, e.g. a colleague cc'd).
 */
export async function eraseCustomer(db: Db, rawEmail: string): Promise<ErasureReport> {
  const email = rawEmail.trim().toLowerCase();
  return withTransaction(db, async (tx) => {
    const owned = await tx
      .select({ id: tickets.id })
      .from(tickets)
      .where(eq(tickets.requesterEmail, email));
    const ids = owned.map((t) => t.id);
    let inbox = 0;
    let queued = 0;
    if (ids.length > 0) {
      inbox = (
        await tx
          .delete(inboxEvents)
          .where(inArray(inboxEvents.ticketId, ids))
          .returning({ id: inboxEvents.id })
      ).length;
      queued = (
        await tx
          .delete(outbox)
          .where(
            and(eq(outbox.state, 'pending'), inArray(sql`${outbox.payload}->>'ticketId'`, ids)),
          )
          .returning({ id: outbox.id })
      ).length;
      await tx.delete(tickets).where(inArray(tickets.id, ids));
    }
    // Case-insensitive: the address may have been written with capitals.
    const pattern = email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const redacted = rowsOf<{ n: number }>(
      await tx.execute(sql`
        with changed as (
          update messages
             set body_text = regexp_replace(body_text, ${pattern}, '[erased]', 'gi'),
                 stripped_text = regexp_replace(stripped_text, ${pattern}, '[erased]', 'gi'),
                 body_html = regexp_replace(body_html, ${pattern}, '[erased]', 'gi'),
                 author_email = case when lower(author_email) = ${email} then null else author_email end
           where lower(author_email) = ${email}
              or position(${email} in lower(body_text)) > 0
              or position(${email} in lower(coalesce(body_html, ''))) > 0
          returning 1)
        select count(*)::int as n from changed`),
    )[0]!.n;
    return {
      email,
      tickets: ids.length,
      inboxEvents: inbox,
      outboxRows: queued,
      mentionsRedacted: redacted,
    };
  });
}
