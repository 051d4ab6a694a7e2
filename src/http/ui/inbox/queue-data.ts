import { ticketActorNames } from '../../../auth/actor-names.js';
import { canAccessTicket, teamScope } from '../../../auth/team-scope.js';
import {
  inboxCounts,
  listAutomatedTickets,
  listProblemDeliveries,
} from '../../../db/queries/agent-inbox.js';
import {
  currentDraft,
  getDeliveryForDraft,
  listDraftsForTicket,
  listPendingDrafts,
} from '../../../db/queries/drafts.js';
import { getTicket, listMessages } from '../../../db/queries/tickets.js';
import { getTriage, listCategories } from '../../../db/queries/triage.js';
import type { Deps } from '../../../deps.js';
import { describeCitations } from '../../../kb/citations.js';
import { noReplyRoute } from '../../../pipeline/deliver/schedule.js';
import type { InboxFilters, Tab, TicketView } from '../pages/inbox.js';
import type { UiEnv } from '../session.js';

/**
 * The selected ticket, or null when it does not exist or is another team's (the same answer,
 * so ids are not confirmed); `categories` comes from the queue data already loaded for the page.
 */
export async function ticketView(
  deps: Pick<Deps, 'db' | 'config'>,
  user: UiEnv['Variables']['user'],
  ticketId: string,
  categories: TicketView['categories'],
): Promise<TicketView | null> {
  if (!(await canAccessTicket(deps.db, user, ticketId))) return null;
  const ticket = await getTicket(deps.db, ticketId);
  if (!ticket) return null;
  const [messages, triage, drafts] = await Promise.all([
    listMessages(deps.db, ticket.id),
    getTriage(deps.db, ticket.id),
    listDraftsForTicket(deps.db, ticket.id),
  ]);
  const draft = currentDraft(drafts);
  const [delivery, sources, actors] = await Promise.all([
    draft ? getDeliveryForDraft(deps.db, draft.id) : null,
    draft ? describeCitations(deps.db, draft.citations) : undefined,
    ticketActorNames(deps.db, { drafts, messages }),
  ]);
  return {
    ticket,
    messages,
    triage: triage ?? null,
    draft,
    delivery,
    categories,
    sources,
    actors,
    unreachable: noReplyRoute(deps.config, ticket),
  };
}

export async function queueData(
  deps: Pick<Deps, 'db'>,
  user: UiEnv['Variables']['user'],
  tab: Tab,
  filters: InboxFilters,
) {
  // Agents in a team see their team's and unrouted tickets; everyone else sees everything.
  const scopeTeam = teamScope(user);
  const [counts, pending, problems, automated, categories] = await Promise.all([
    inboxCounts(deps.db, { scopeTeam }),
    tab === 'pending'
      ? listPendingDrafts(deps.db, { ...filters, scopeTeam, limit: 100 })
      : Promise.resolve([]),
    tab === 'problems' ? listProblemDeliveries(deps.db, { scopeTeam }) : Promise.resolve([]),
    tab === 'automated' ? listAutomatedTickets(deps.db, { scopeTeam }) : Promise.resolve([]),
    listCategories(deps.db, { activeOnly: true }),
  ]);
  return { counts, pending, problems, automated, categories };
}
