import { getCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { canAccessTicket } from '../../../auth/team-scope.js';
import { resolveSession, type SessionPrincipal } from '../../../auth/users.js';
import { getDelivery, getDraftPreview } from '../../../db/queries/drafts.js';
import type { Deps } from '../../../deps.js';
import type { LiveEvent } from '../../../live/events.js';
import { SESSION_COOKIE } from '../../middleware/auth.js';
import type { InboxApp } from './shared.js';

type AccessChange = Extract<LiveEvent, { type: 'access.changed' }>;
/** The events a page is sent: about tickets and deliveries. */
type PageEvent = Exclude<LiveEvent, AccessChange>;

/** Whether an `access.changed` event ends this session's stream. */
const endsStream = (event: AccessChange, user: SessionPrincipal) =>
  event.userId === user.id && event.keepSessionId !== user.sessionId;

/**
 * Why a stream opened for `user` may not go on, checked again every keep-alive: the session
 * ended (signed out elsewhere, disabled, a password reset — also when the Redis event was
 * missed, e.g. from a command line that could not reach Redis), or its role or team changed.
 */
export async function accessNow(
  deps: Pick<Deps, 'db' | 'now'>,
  token: string | undefined,
  user: SessionPrincipal,
): Promise<'ok' | 'signed_out' | 'role'> {
  const now = token ? await resolveSession(deps.db, token, deps.now()) : null;
  if (!now || now.id !== user.id) return 'signed_out';
  return now.role === user.role && now.teamId === user.teamId ? 'ok' : 'role';
}

/**
 * GET /app/events: server-sent events: new drafts, decisions, claims and saves, ticket changes
 * (triaged, corrected, solved, answered, noted, a new message, a status change) and delivery
 * changes (ids only), about the tickets this user may see, and the model's draft as it streams
 * (`draft.progress`, with the text so far, read here from Postgres: the Redis event carries ids
 * only). Every event sent names its ticket (`ticketId`, looked up here for a delivery's), so a
 * ticket page can tell its own from the rest. The inbox refreshes its queue column; the ticket
 * page re-reads its changed parts. A comment every 25 s keeps proxies from closing the stream.
 *
 * The stream serves the person and session it was opened for, and no longer than they have
 * access: when they are disabled or their sessions end (`access.changed` from any process, or
 * the session found gone at a keep-alive) it sends `signed-out` and ends, and the page goes to
 * the sign-in page; a new role or team ends it too, and the browser reconnects under the new one.
 */
/** How often a quiet stream sends a comment and checks its session (proxies close at 30-60 s). */
const KEEP_ALIVE_MS = 25_000;

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
        const visibleTicket = async (event: PageEvent): Promise<string | null> => {
          const ticketId =
            'ticketId' in event
              ? event.ticketId
              : (await getDelivery(deps.db, event.deliveryId))?.ticketId;
          return ticketId !== undefined && (await canAccessTicket(deps.db, user, ticketId))
            ? ticketId
            : null;
        };
        const token = getCookie(c, SESSION_COOKIE);
        const pending: PageEvent[] = [];
        // Set by the listener (an object: a closure's assignment must not be narrowed away).
        const access: { ended: 'signed_out' | 'role' | null } = { ended: null };
        let wake: (() => void) | null = null;
        const unsubscribe = deps.live.subscribe((event) => {
          if (event.type === 'access.changed') {
            // Other people's access changes are nobody else's business: never forwarded.
            if (!endsStream(event, user)) return;
            access.ended = event.change === 'role' ? 'role' : 'signed_out';
            wake?.();
            return;
          }
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
          // What arrived while nothing was waiting to be woken (during the 'ready' write or the
          // last batch's) goes out now, not after a 25 s keep-alive.
          let timer: ReturnType<typeof setTimeout> | undefined;
          await new Promise<void>((resolve) => {
            if (pending.length > 0 || access.ended) return resolve();
            wake = resolve;
            timer = setTimeout(resolve, KEEP_ALIVE_MS);
          });
          clearTimeout(timer);
          wake = null;
          if (stream.aborted) break;
          if (!access.ended && pending.length === 0) {
            const now = await accessNow(deps, token, user);
            if (now !== 'ok') access.ended = now;
          }
          if (access.ended) {
            // Nothing queued under the old access goes out; the page is told what to do.
            if (access.ended === 'signed_out') {
              await stream.writeSSE({ event: 'signed-out', data: '{}' });
            }
            break;
          }
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
