import type { Db } from '../db/client.js';
import { apiKeyNames } from '../db/queries/api-keys.js';
import type { Draft } from '../db/schema/drafts.js';
import type { Message } from '../db/schema/messages.js';
import type { TicketEvent } from '../db/schema/ticket-events.js';

/**
 * How the authors recorded on drafts and ticket events (`decidedBy`, `actorId`, …) read to people.
 * A user is recorded by email and Deskpilot by a name ("auto-send"): both read as they are. An API
 * key is recorded by its id (see `actorOf`), which nobody recognises: it reads as the key's name,
 * `API key “zendesk-bot”`, or — the key deleted since — its id's first 8 characters.
 */
export type ActorNames = ReadonlyMap<string, string>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The label of each author id among `ids` that is not shown as it is (one query, or none). */
export async function actorNames(
  db: Db,
  ids: Iterable<string | null | undefined>,
): Promise<ActorNames> {
  const keyIds = [...new Set([...ids].filter((id): id is string => !!id && UUID.test(id)))];
  const names = await apiKeyNames(db, keyIds);
  return new Map(
    keyIds.map((id) => {
      const name = names.get(id);
      return [id, name ? `API key “${name}”` : `API key ${id.slice(0, 8)} (deleted)`];
    }),
  );
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
