import { eq } from 'drizzle-orm';
import { systemActor } from '../../auth/actor.js';
import { recentDecisions } from '../../db/queries/drafts.js';
import { getTicket } from '../../db/queries/tickets.js';
import { getTriage } from '../../db/queries/triage.js';
import { type AutoSendPolicy, autoSendPolicies, type Draft } from '../../db/schema/drafts.js';
import { type Ticket, tickets } from '../../db/schema/tickets.js';
import type { TicketTriage } from '../../db/schema/triage.js';
import type { Deps } from '../../deps.js';
import { approveDraft } from './actions.js';

/** What the caller already read in this job (the draft step): not read again. */
interface Known {
  ticket?: Ticket;
  triage?: TicketTriage | null;
  /** Every auto-send policy (the job's cached settings). */
  policies?: readonly AutoSendPolicy[];
}

export type AutoSendDecision = { send: true } | { send: false; reason: string };

/**
 * Auto-send is off unless a category's policy enables it, and even then only for a confident,
 * guard-clean draft in a category whose recent human-reviewed drafts went out unchanged at the
 * configured rate over a minimum sample. Never for automated mail, negative sentiment, urgent
 * priority, or a VIP's first contact.
 */
export async function decideAutoSend(
  deps: Pick<Deps, 'db' | 'config'>,
  draft: Draft,
  known: Known = {},
): Promise<AutoSendDecision> {
  const triage =
    known.triage !== undefined ? known.triage : await getTriage(deps.db, draft.ticketId);
  if (!triage) return { send: false, reason: 'not triaged' };
  const category = triage.correctedCategory ?? triage.category;
  const [policy] = known.policies
    ? known.policies.filter((p) => p.category === category)
    : await deps.db
        .select()
        .from(autoSendPolicies)
        .where(eq(autoSendPolicies.category, category))
        .limit(1);
  if (!policy?.enabled) return { send: false, reason: 'no policy for this category' };
  const ticket = known.ticket ?? (await getTicket(deps.db, draft.ticketId));
  if (!ticket || ticket.automated) return { send: false, reason: 'automated mail' };
  if (draft.needsHuman || draft.guardFlags.length > 0 || draft.kind === 'no_answer') {
    return { send: false, reason: 'draft needs a human' };
  }
  if (triage.sentiment === 'negative') return { send: false, reason: 'negative sentiment' };
  if (triage.priority === 'urgent') return { send: false, reason: 'urgent priority' };
  const email = ticket.requesterEmail ?? '';
  const domain = email.split('@')[1] ?? '';
  const vip = deps.config.VIP_EMAILS.includes(email) || deps.config.VIP_DOMAINS.includes(domain);
  if (vip && email) {
    const earlier = await deps.db
      .select({ id: tickets.id })
      .from(tickets)
      .where(eq(tickets.requesterEmail, email))
      .limit(2);
    if (earlier.length <= 1) return { send: false, reason: 'first contact from a VIP' };
  }
  if (draft.confidence < policy.minConfidence)
    return { send: false, reason: 'confidence below policy' };
  const history = await recentDecisions(
    deps.db,
    triage.category,
    Math.max(policy.minSample, 1) * 2,
  );
  if (history.length < policy.minSample)
    return { send: false, reason: 'not enough reviewed drafts yet' };
  const unchanged = history.filter(
    (d) => (d.status === 'sent' || d.status === 'approved') && (d.editDistance ?? 0) === 0,
  ).length;
  if (unchanged / history.length < policy.minUnchangedRate) {
    return { send: false, reason: 'recent drafts were edited too often' };
  }
  return { send: true };
}

export async function maybeAutoSend(
  deps: Pick<Deps, 'db' | 'config' | 'log' | 'live'>,
  draft: Draft,
  known: Known = {},
): Promise<boolean> {
  const decision = await decideAutoSend(deps, draft, known);
  if (!decision.send) return false;
  const result = await approveDraft(deps, {
    draftId: draft.id,
    actor: systemActor('auto-send'),
    lockVersion: draft.lockVersion,
    auto: true,
  });
  if (result.ok) deps.log.info({ draftId: draft.id }, 'draft auto-sent by policy');
  else {
    // Refused (claimed meanwhile, no way to reach the customer…): it waits for an agent.
    deps.log.info(
      { draftId: draft.id, reason: result.reason },
      'auto-send refused; left for review',
    );
  }
  return result.ok;
}
