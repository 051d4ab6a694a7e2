import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { canAccessTicket } from '../../../auth/team-scope.js';
import { getDelivery, getDraftPreview } from '../../../db/queries/drafts.js';
import type { Deps } from '../../../deps.js';
import type { LiveEvent } from '../../../live/events.js';
import type { InboxApp } from './shared.js';

/**
 * GET /app/events: server-sent events: new drafts, decisions, claims and saves, ticket changes
 * (triaged, corrected, solved, answered, noted, a new message, a status change) and delivery
 * changes (ids only), about the tickets this user may see, and the model's draft as it streams
 * (`draft.progress`, with the text so far, read here from Postgres: the Redis event carries ids
 * only). Every event sent names its ticket (`ticketId`, looked up here for a delivery's), so a
 * ticket page can tell its own from the rest. The inbox refreshes its queue column; the ticket
 * page re-reads its changed parts. A comment every 25 s keeps proxies from closing the stream.
 */
export function registerInboxEvents(app: InboxApp, deps: Deps) {
  app.get('/app/events', (c) => {
    // Presence goes only to the page that has that ticket open (`?ticket=`); `visible` below
    // still checks the agent may see it.
    const asked = z.uuid().safeParse(c.req.query('ticket'));
    const presenceOf = asked.success ? asked.data : null;
    return streamSSE(
      c,
      async (stream) => {
        // A team agent hears only about tickets it may open (ids of other teams' tickets are not
        // confirmed to it either); unrestricted users cost no query (canAccessTicket).
        const user = c.get('user');
        /** The event's ticket when this user may see it, else null. */
        const visibleTicket = async (event: LiveEvent): Promise<string | null> => {
          const ticketId =
            'ticketId' in event
              ? event.ticketId
              : (await getDelivery(deps.db, event.deliveryId))?.ticketId;
          return ticketId !== undefined && (await canAccessTicket(deps.db, user, ticketId))
            ? ticketId
            : null;
        };
        const pending: LiveEvent[] = [];
        let wake: (() => void) | null = null;
        const unsubscribe = deps.live.subscribe((event) => {
          if (event.type === 'presence.changed' && event.ticketId !== presenceOf) return;
          pending.push(event);
          wake?.();
        });
        stream.onAbort(() => {
          unsubscribe();
          wake?.();
        });
        await stream.writeSSE({ event: 'ready', data: '{}' });
        while (!stream.aborted && !stream.closed) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 25_000);
          });
          wake = null;
          if (stream.aborted) break;
          if (pending.length === 0) {
            await stream.write(': keep-alive\n\n');
            continue;
          }
          const batch = pending.splice(0);
          for (const [index, event] of batch.entries()) {
            if (event.type === 'draft.progress') {
              // Only the newest text of a draft matters: skip progress a later event overtakes.
              const later = batch
                .slice(index + 1)
                .some((e) => e.type === 'draft.progress' && e.draftId === event.draftId);
              if (later || !(await visibleTicket(event))) continue;
              const preview = await getDraftPreview(deps.db, event.draftId);
              if (!preview) continue;
              await stream.writeSSE({
                event: event.type,
                data: JSON.stringify({ ...event, text: preview.text }),
              });
              continue;
            }
            const ticketId = await visibleTicket(event);
            if (!ticketId) continue;
            await stream.writeSSE({
              event: event.type,
              data: JSON.stringify({ ...event, ticketId }),
            });
          }
        }
        unsubscribe();
      },
      async (err) => {
        deps.log.warn({ err: err.message }, 'live event stream failed');
      },
    );
  });
}
