import type { Db } from '../db/client.js';
import { getDraft, getDraftWithTicket } from '../db/queries/drafts.js';
import { isRoutedElsewhere } from '../db/queries/triage.js';
import type { Draft } from '../db/schema/drafts.js';
import type { Ticket } from '../db/schema/tickets.js';
import type { Principal } from './api-keys.js';

/**
 * Team scoping of tickets (issue #7). An agent with a team works that team's tickets only; an
 * agent without a team, managers and admins see everything. A ticket's team is its current
 * triage routing (`ticket_triage.team`), so a re-route moves it between queues.
 *
 * Tickets not routed to any team (no rule set one, or not triaged yet) are visible to every
 * agent: someone has to pick them up, and hiding them from all team agents would leave them to
 * managers alone. The SQL form of this rule is `visibleToTeam` in `db/queries/triage.ts`.
 *
 * Out-of-scope tickets must look exactly like missing ones (404 in the API, the "missing" notice
 * in the inbox) so that ids of other teams' tickets are not confirmed.
 */

/** The team this principal is limited to, or undefined when it is unrestricted. */
export function teamScope(principal: Pick<Principal, 'role' | 'teamId'>): string | undefined {
  return principal.role === 'agent' && principal.teamId ? principal.teamId : undefined;
}

/**
 * Whether the principal may see and act on the ticket. Says nothing about whether the ticket
 * exists: callers answer "not found" for both. Unrestricted principals cost no query.
 */
export async function canAccessTicket(
  db: Db,
  principal: Pick<Principal, 'role' | 'teamId'>,
  ticketId: string,
): Promise<boolean> {
  const team = teamScope(principal);
  if (team === undefined) return true;
  return !(await isRoutedElsewhere(db, ticketId, team));
}

/** The draft, or null when it does not exist or its ticket is outside the principal's team. */
export async function getDraftInScope(
  db: Db,
  principal: Pick<Principal, 'role' | 'teamId'>,
  draftId: string,
): Promise<Draft | null> {
  const draft = await getDraft(db, draftId);
  if (!draft || !(await canAccessTicket(db, principal, draft.ticketId))) return null;
  return draft;
}

/** `getDraftInScope` with the draft's ticket, read in the same statement. */
export async function getDraftWithTicketInScope(
  db: Db,
  principal: Pick<Principal, 'role' | 'teamId'>,
  draftId: string,
): Promise<{ draft: Draft; ticket: Ticket } | null> {
  const found = await getDraftWithTicket(db, draftId);
  if (!found || !(await canAccessTicket(db, principal, found.draft.ticketId))) return null;
  return found;
}
