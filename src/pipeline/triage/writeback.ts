import type { Logger } from 'pino';
import type { Db } from '../../db/client.js';
import { getTicket } from '../../db/queries/tickets.js';
import { getTriage } from '../../db/queries/triage.js';
import type { ZendeskClient } from '../../integrations/zendesk/types.js';

export interface WritebackDeps {
  db: Db;
  zendesk: ZendeskClient | null;
  log: Logger;
}

/** Zendesk tags allow letters, digits, _ - / and :; anything else becomes _. */
const tag = (value: string) =>
  value
    .toLowerCase()
    .replace(/[^a-z0-9_\-/:]+/g, '_')
    .slice(0, 80);

/**
 * Mirrors our triage into Zendesk: tags are added through the tags endpoint (existing tags are
 * kept), group and priority are set with a safe update (a concurrent agent edit wins and the job
 * retries on fresh data), and a private note summarises the triage. Every call is idempotent, so
 * a retried job converges instead of duplicating.
 */
export async function writeBackTriage(
  deps: WritebackDeps,
  ticketId: string,
): Promise<'done' | 'skipped'> {
  if (!deps.zendesk) {
    deps.log.warn(
      { ticketId },
      'zendesk write-back requested but no Zendesk API credentials are configured',
    );
    return 'skipped';
  }
  const ticket = await getTicket(deps.db, ticketId);
  const triage = await getTriage(deps.db, ticketId);
  if (!ticket?.externalId || ticket.source !== 'zendesk' || !triage) return 'skipped';
  const zendeskId = ticket.externalId;

  await deps.zendesk.addTags(zendeskId, [
    'deskpilot',
    tag(`dp_category_${triage.category}`),
    ...triage.tags.map(tag),
  ]);

  const remote = await deps.zendesk.getTicket(zendeskId);
  const group = triage.team ? await deps.zendesk.findGroupByName(triage.team) : null;
  const update = {
    ...(group && group.id !== remote.groupId ? { groupId: group.id } : {}),
    ...(remote.priority !== triage.priority ? { priority: triage.priority } : {}),
  };
  if (Object.keys(update).length > 0) {
    await deps.zendesk.updateTicket(zendeskId, update, {
      safeUpdate: { updatedAt: remote.updatedAt },
    });
  }

  const note = [
    'Deskpilot triage',
    `Category: ${triage.category} (${Math.round(triage.confidence * 100)}% confidence, by ${triage.decidedBy})`,
    `Priority: ${triage.priority} · Sentiment: ${triage.sentiment}${triage.language ? ` · Language: ${triage.language}` : ''}`,
    `Routed to: ${[triage.team, triage.queue].filter(Boolean).join(' / ') || 'no team'}${triage.matchedRules.length ? ` (rules: ${triage.matchedRules.join('; ')})` : ''}`,
  ].join('\n');
  await deps.zendesk.addComment(
    zendeskId,
    { body: note, public: false },
    // One note per triage result: a retry of this job reuses the key and adds nothing.
    {
      idempotencyKey: `deskpilot-triage-${ticket.id}-${triage.updatedAt.getTime()}`,
      lookupExisting: true,
    },
  );
  return 'done';
}
