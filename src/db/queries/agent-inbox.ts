import { and, count, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client.js';
import { deliveries, drafts } from '../schema/drafts.js';
import { tickets } from '../schema/tickets.js';
import { ticketTriage } from '../schema/triage.js';
import { visibleToTeam } from './triage.js';

/**
 * Read models for the agent inbox (/app); the pending-draft list lives beside drafts. `scopeTeam`
 * is the caller's team scoping (`src/auth/team-scope.ts`): only tickets visible to that team.
 */
export interface InboxScope {
  scopeTeam?: string;
  limit?: number;
}

export const problemDeliveryStates = ['failed', 'uncertain', 'blocked'] as const;

/** Replies that did not go out and need a human: failed, blocked, or uncertain after a crash. */
export async function listProblemDeliveries(db: Db, { scopeTeam, limit = 50 }: InboxScope = {}) {
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
    .leftJoin(ticketTriage, eq(ticketTriage.ticketId, deliveries.ticketId))
    .where(
      and(
        inArray(deliveries.state, [...problemDeliveryStates]),
        scopeTeam ? visibleToTeam(scopeTeam) : undefined,
      ),
    )
    .orderBy(desc(deliveries.updatedAt))
    .limit(limit);
}

/** Recent tickets flagged as automated mail (never answered; shown so agents can check them). */
export async function listAutomatedTickets(db: Db, { scopeTeam, limit = 50 }: InboxScope = {}) {
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
    .leftJoin(ticketTriage, eq(ticketTriage.ticketId, tickets.id))
    .where(and(eq(tickets.automated, true), scopeTeam ? visibleToTeam(scopeTeam) : undefined))
    .orderBy(desc(tickets.createdAt))
    .limit(limit);
}

export async function inboxCounts(db: Db, { scopeTeam }: Pick<InboxScope, 'scopeTeam'> = {}) {
  const scope = scopeTeam ? visibleToTeam(scopeTeam) : undefined;
  const [[pending], [problems]] = await Promise.all([
    db
      .select({ n: count() })
      .from(drafts)
      .leftJoin(ticketTriage, eq(ticketTriage.ticketId, drafts.ticketId))
      .where(and(eq(drafts.status, 'pending_approval'), scope)),
    db
      .select({ n: count() })
      .from(deliveries)
      .leftJoin(ticketTriage, eq(ticketTriage.ticketId, deliveries.ticketId))
      .where(and(inArray(deliveries.state, [...problemDeliveryStates]), scope)),
  ]);
  return { pending: pending?.n ?? 0, problems: problems?.n ?? 0 };
}
