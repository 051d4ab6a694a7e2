import { and, count, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client.js';
import { deliveries, drafts } from '../schema/drafts.js';
import { tickets } from '../schema/tickets.js';

/** Read models for the agent inbox (/app); the pending-draft list lives beside drafts. */

export const problemDeliveryStates = ['failed', 'uncertain', 'blocked'] as const;

/** Replies that did not go out and need a human: failed, blocked, or uncertain after a crash. */
export async function listProblemDeliveries(db: Db, limit = 50) {
  return db
    .select({
      delivery: {
        id: deliveries.id,
        state: deliveries.state,
        channel: deliveries.channel,
        lastError: deliveries.lastError,
        attempts: deliveries.attempts,
        updatedAt: deliveries.updatedAt,
      },
      draftId: drafts.id,
      ticket: {
        id: tickets.id,
        subject: tickets.subject,
        requesterEmail: tickets.requesterEmail,
        requesterName: tickets.requesterName,
        channel: tickets.channel,
      },
    })
    .from(deliveries)
    .innerJoin(drafts, eq(drafts.id, deliveries.draftId))
    .innerJoin(tickets, eq(tickets.id, deliveries.ticketId))
    .where(inArray(deliveries.state, [...problemDeliveryStates]))
    .orderBy(desc(deliveries.updatedAt))
    .limit(limit);
}

/** Recent tickets flagged as automated mail (never answered; shown so agents can check them). */
export async function listAutomatedTickets(db: Db, limit = 50) {
  return db
    .select({
      id: tickets.id,
      subject: tickets.subject,
      requesterEmail: tickets.requesterEmail,
      requesterName: tickets.requesterName,
      automatedReason: tickets.automatedReason,
      createdAt: tickets.createdAt,
    })
    .from(tickets)
    .where(eq(tickets.automated, true))
    .orderBy(desc(tickets.createdAt))
    .limit(limit);
}

export async function inboxCounts(db: Db) {
  const [[pending], [problems]] = await Promise.all([
    db.select({ n: count() }).from(drafts).where(eq(drafts.status, 'pending_approval')),
    db
      .select({ n: count() })
      .from(deliveries)
      .where(and(inArray(deliveries.state, [...problemDeliveryStates]))),
  ]);
  return { pending: pending?.n ?? 0, problems: problems?.n ?? 0 };
}
