import type { Db } from '../db/client.js';
import { actorRecordNames } from '../db/queries/actors.js';
import type { Draft } from '../db/schema/drafts.js';
import type { Message } from '../db/schema/messages.js';
import type { TicketEvent } from '../db/schema/ticket-events.js';

/**
 * How the authors recorded on drafts, messages and ticket events (`decidedBy`, `claimedBy`,
 * `savedBy`, `authorName`, `actorId`, …) read to people, on the pages and in the API's `…Name`
 * fields alike. A person is recorded by email (see `actorOf`) and reads as their name, as the
 * inbox's header and presence show it; an API key is recorded by its id, which nobody recognises,
 * and reads as `API key “zendesk-bot”`, or — the key deleted since — its id's first 8
 * characters. Deskpilot itself is recorded by a name ("auto-send") and reads as it is, as does a
 * person whose account was deleted (their email).
 */
export type ActorNames = ReadonlyMap<string, string>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The label of each author id among `ids` that is not shown as it is (one query, or none). */
export async function actorNames(
  db: Db,
  ids: Iterable<string | null | undefined>,
): Promise<ActorNames> {
  const recorded = [...new Set([...ids].filter((id): id is string => !!id))];
  const keyIds = recorded.filter((id) => UUID.test(id));
  const emails = recorded.filter((id) => id.includes('@'));
  const { people, keys } = await actorRecordNames(db, { emails, keyIds });
  return new Map([
    ...people,
    ...keyIds.map((id): [string, string] => {
      const name = keys.get(id);
      return [id, name ? `API key “${name}”` : `API key ${id.slice(0, 8)} (deleted)`];
    }),
  ]);
}

/** `actorLabel` of an author that may be absent (null stays null): the API's `…Name` fields. */
export function actorLabelOrNull(id: string | null | undefined, names: ActorNames): string | null {
  return id ? actorLabel(id, names) : null;
}

/** The author as people read it (`names` from `actorNames`; without it, as recorded). */
export function actorLabel(id: string, names: ActorNames | undefined): string {
  return names?.get(id) ?? id;
}

/** The labels for everyone a ticket's page names: deciders, senders of its replies, actors. */
export function ticketActorNames(
  db: Db,
  t: {
    drafts: Pick<Draft, 'decidedBy'>[];
    messages: Pick<Message, 'direction' | 'authorName'>[];
    events?: Pick<TicketEvent, 'actorId'>[];
  },
): Promise<ActorNames> {
  return actorNames(db, [
    ...t.drafts.map((d) => d.decidedBy),
    // A sent reply's author is its approver's id (see deliver).
    ...t.messages.filter((m) => m.direction === 'outbound').map((m) => m.authorName),
    ...(t.events ?? []).map((e) => e.actorId),
  ]);
}
