import type { Logger } from 'pino';
import type { Db } from '../../db/client.js';
import { getTicket, listTicketEvents, recordTicketEvent } from '../../db/queries/tickets.js';
import { getTriage } from '../../db/queries/triage.js';
import { ZendeskConflictError } from '../../integrations/zendesk/errors.js';
import type {
  TicketFieldsUpdate,
  ZendeskClient,
  ZendeskTicket,
} from '../../integrations/zendesk/types.js';

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

/** Marks Deskpilot's own field updates in the ticket's audits (custom metadata). */
const WRITTEN_BY = 'triage-writeback';

/** The ticket fields write-back may set, by Zendesk's audit field name. */
type Field = 'group_id' | 'priority';
const FIELDS: readonly Field[] = ['group_id', 'priority'];

/** What Deskpilot last wrote to a ticket, and which fields it leaves to the team from now on. */
export interface WritebackState {
  written: Partial<Record<Field, string | null>>;
  agentOwned: Field[];
  remoteUpdatedAt: string | null;
}

/**
 * Mirrors our triage into Zendesk: tags are added through the tags endpoint (existing tags are
 * kept), and a private note summarises the triage. Group and priority follow one rule:
 * Deskpilot writes a field only while nobody else has changed it since Deskpilot last wrote it.
 * Once an agent (or one of the team's own triggers) has set it, later triages only suggest a
 * value in the note. "Changed by someone else" is read from what we wrote last (kept on the
 * ticket's timeline as `helpdesk_written`) against the current ticket, and from the ticket's
 * audits, where our own updates carry a metadata marker. A safe update that conflicts (409: the
 * ticket changed between our read and our write) is decided again under the same rule. Every
 * call is idempotent, so a retried job converges instead of duplicating.
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
  const zendesk = deps.zendesk;
  const ticket = await getTicket(deps.db, ticketId);
  const triage = await getTriage(deps.db, ticketId);
  if (!ticket?.externalId || ticket.source !== 'zendesk' || !triage) return 'skipped';
  const zendeskId = ticket.externalId;

  await zendesk.addTags(zendeskId, [
    'deskpilot',
    tag(`dp_category_${triage.category}`),
    ...triage.tags.map(tag),
  ]);

  const group = triage.team ? await zendesk.findGroupByName(triage.team) : null;
  const wanted: Partial<Record<Field, string>> = {
    ...(group ? { group_id: group.id } : {}),
    priority: triage.priority,
  };
  const before = await loadWritebackState(deps.db, ticketId);
  const state: WritebackState = structuredClone(before);
  for (let attempt = 1; ; attempt++) {
    const remote = await zendesk.getTicket(zendeskId);
    const current: Record<Field, string | null> = {
      group_id: remote.groupId,
      priority: remote.priority,
    };
    await markAgentOwned(zendesk, remote, state, current, wanted);
    const update = FIELDS.filter(
      (f) => !state.agentOwned.includes(f) && wanted[f] !== undefined && current[f] !== wanted[f],
    );
    if (update.length === 0) {
      state.remoteUpdatedAt = remote.updatedAt;
      break;
    }
    try {
      const updated = await zendesk.updateTicket(
        zendeskId,
        {
          ...(update.includes('group_id') ? { groupId: wanted.group_id } : {}),
          ...(update.includes('priority')
            ? { priority: wanted.priority as TicketFieldsUpdate['priority'] }
            : {}),
        },
        { safeUpdate: { updatedAt: remote.updatedAt }, writtenBy: WRITTEN_BY },
      );
      for (const f of update) state.written[f] = wanted[f] ?? null;
      state.remoteUpdatedAt = updated.updatedAt;
      break;
    } catch (err) {
      // Someone changed the ticket between our read and our write: read again and decide again.
      if (!(err instanceof ZendeskConflictError) || attempt >= 3) throw err;
    }
  }
  if (JSON.stringify(state) !== JSON.stringify(before)) {
    await recordTicketEvent(deps.db, {
      ticketId,
      type: 'helpdesk_written',
      actorKind: 'system',
      data: { ...state },
    });
  }

  const suggestions = FIELDS.filter(
    (f) => state.agentOwned.includes(f) && wanted[f] !== undefined,
  ).map((f) =>
    f === 'priority'
      ? `Suggested priority: ${triage.priority} (not applied: priority was set by your team)`
      : `Suggested group: ${triage.team} (not applied: the group was set by your team)`,
  );
  const note = [
    'Deskpilot triage',
    `Category: ${triage.category} (${Math.round(triage.confidence * 100)}% confidence, by ${triage.decidedBy})`,
    `Priority: ${triage.priority} · Sentiment: ${triage.sentiment}${triage.language ? ` · Language: ${triage.language}` : ''}`,
    `Routed to: ${[triage.team, triage.queue].filter(Boolean).join(' / ') || 'no team'}${triage.matchedRules.length ? ` (rules: ${triage.matchedRules.join('; ')})` : ''}`,
    ...suggestions,
  ].join('\n');
  await zendesk.addComment(
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

/**
 * Adds to `state.agentOwned` every field someone else has set: one that no longer holds what we
 * last wrote, or one the audits show set by anyone but us: changed after the ticket was created
 * (also a field an agent changed and then set back to what we had written), or given a value
 * when someone other than the requester created the ticket (an agent creating it for a
 * customer). Audits are read only when that could change the decision: before a write.
 */
async function markAgentOwned(
  zendesk: ZendeskClient,
  remote: ZendeskTicket,
  state: WritebackState,
  current: Record<Field, string | null>,
  wanted: Partial<Record<Field, string>>,
): Promise<void> {
  const own = (f: Field) => {
    if (!state.agentOwned.includes(f)) state.agentOwned.push(f);
  };
  for (const f of FIELDS) {
    if (f in state.written && current[f] !== state.written[f]) own(f);
  }
  const unknown = FIELDS.filter(
    (f) => !state.agentOwned.includes(f) && wanted[f] !== undefined && current[f] !== wanted[f],
  );
  if (unknown.length === 0) return;
  const changes = await zendesk.listFieldChanges(remote.id);
  for (const change of changes) {
    const decided = change.created
      ? change.value !== null && change.value !== '' && change.authorId !== remote.requesterId
      : true;
    if (decided && change.writtenBy === null && (unknown as string[]).includes(change.field)) {
      own(change.field as Field);
    }
  }
}

/** The cumulative state recorded by the ticket's latest `helpdesk_written` event. */
export async function loadWritebackState(db: Db, ticketId: string): Promise<WritebackState> {
  const latest = (await listTicketEvents(db, ticketId))
    .filter((e) => e.type === 'helpdesk_written')
    .at(-1);
  const data = (latest?.data ?? {}) as Partial<WritebackState>;
  return {
    written: { ...(data.written ?? {}) },
    agentOwned: [...(data.agentOwned ?? [])],
    remoteUpdatedAt: data.remoteUpdatedAt ?? null,
  };
}
