import { sql } from 'drizzle-orm';
import type { Actor } from '../../auth/actor.js';
import { canAccessTicket } from '../../auth/team-scope.js';
import type { Db } from '../../db/client.js';
import { retirePendingDrafts } from '../../db/queries/draft-state.js';
import { getTicket, recordTicketEvent, setTicketStatus } from '../../db/queries/tickets.js';
import { rowsOf } from '../../db/rows.js';
import { withTransaction } from '../../db/tx.js';
import type { Deps } from '../../deps.js';
import { type LiveEvents, publishAfterCommit } from '../../live/events.js';

/**
 * Ways to solve a ticket when no helpdesk reports solves (email-only setups): without them,
 * resolution, one-touch and automation rates read 0 forever. (The third way, a customer reply
 * that only says a SOLVE_KEYWORDS word, is recognised at intake.)
 */

export type SolveResult =
  | { ok: true; alreadySolved: boolean }
  | { ok: false; reason: 'not_found' | 'helpdesk_owned' };

/**
 * An agent solves the ticket: status solved, a `solved` event by that agent, drafts still waiting
 * retired. Solving a solved ticket again changes nothing. A Zendesk ticket's status belongs to
 * Zendesk (its webhook reports solves), so it is refused here. Another team's ticket answers like
 * a missing one.
 */
export async function solveTicket(
  deps: Pick<Deps, 'db' | 'live'>,
  input: { ticketId: string; actor: Actor },
): Promise<SolveResult> {
  const { db } = deps;
  if (!(await canAccessTicket(db, input.actor, input.ticketId))) {
    return { ok: false, reason: 'not_found' };
  }
  return withTransaction(db, async (tx) => {
    // Drafts first, then the ticket: the order an approval and a hand-written reply take them, so
    // a solve racing either waits instead of deadlocking.
    await tx.execute(sql`select id from drafts where ticket_id = ${input.ticketId}
      and status = 'pending_approval' order by version for update`);
    const [locked] = rowsOf<{ id: string }>(
      await tx.execute(sql`select id from tickets where id = ${input.ticketId} for update`),
    );
    const ticket = locked ? await getTicket(tx, input.ticketId) : null;
    if (!ticket) return { ok: false as const, reason: 'not_found' as const };
    if (ticket.source === 'zendesk')
      return { ok: false as const, reason: 'helpdesk_owned' as const };
    if (ticket.status === 'solved' || ticket.status === 'closed') {
      return { ok: true as const, alreadySolved: true };
    }
    await setTicketStatus(tx, ticket.id, 'solved');
    await recordTicketEvent(tx, {
      ticketId: ticket.id,
      type: 'solved',
      actorKind: 'agent',
      actorId: input.actor.id,
      data: { from: ticket.status, to: 'solved' },
    });
    await retirePendingDrafts(tx, ticket.id);
    // Its retired drafts leave open queues; the ticket page shows the new status.
    publishAfterCommit(deps.live, tx, {
      type: 'ticket.changed',
      ticketId: ticket.id,
      change: 'solved',
    });
    return { ok: true as const, alreadySolved: false };
  });
}

/**
 * Auto-solve (AUTO_SOLVE_DAYS): tickets waiting on the customer (status pending, set when our
 * public reply went out) whose last public message is ours and older than `days` are solved (an
 * automated message, such as an out-of-office reply, is not an answer from the customer), as
 * Zendesk's "close pending tickets after N days" automation does. The solve is dated when the wait
 * ran out (last reply + days), so when the hourly job happens to run does not change resolution
 * times. Zendesk tickets are left to Zendesk. At most `limit` tickets per call; returns how many.
 * With `live`, each solved ticket is published (`ticket.changed`) once the statement committed.
 */
export async function autoSolveWaitingTickets(
  db: Db,
  input: { days: number; now?: Date; limit?: number; live?: LiveEvents },
): Promise<number> {
  if (input.days <= 0) return 0;
  const now = (input.now ?? new Date()).toISOString();
  const limit = input.limit ?? 500;
  const [row] = rowsOf<{ ids: string[] }>(
    await db.execute(sql`
      with due as (
        select t.id, t.status, lr.at + make_interval(secs => ${input.days * 86_400}) as solve_at
        from tickets t
        cross join lateral (
          select m.created_at as at, m.direction from messages m
          where m.ticket_id = t.id and m.public and not (m.direction = 'outbound'
            and m.author_kind not in ('agent', 'ai'))
            -- An auto-reply (out of office, a bounce) is not the customer answering.
            and not exists (select 1 from ticket_events e where e.ticket_id = t.id
              and e.type = 'message_received' and e.data ->> 'messageId' = m.id::text
              and e.data ->> 'automated' = 'true')
          order by m.created_at desc, m.id desc limit 1
        ) lr
        where t.status = 'pending' and t.source <> 'zendesk' and not t.automated
          and lr.direction = 'outbound'
          and lr.at <= ${now}::timestamptz - make_interval(secs => ${input.days * 86_400})
        order by t.created_at
        limit ${limit}
        for update of t skip locked
      ), solved as (
        update tickets t set status = 'solved', updated_at = now()
        from due where t.id = due.id
        returning t.id, due.status as from_status, due.solve_at
      ), events as (
        insert into ticket_events (ticket_id, type, actor_kind, data, created_at)
        select s.id, 'solved', 'system', jsonb_build_object('from', s.from_status, 'to', 'solved',
          'reason', 'auto_solve', 'days', ${input.days}::float8), s.solve_at
        from solved s
      ), retired as (
        update drafts d set status = 'retired', lock_version = d.lock_version + 1, updated_at = now()
        from solved s where d.ticket_id = s.id and d.status = 'pending_approval'
      )
      select coalesce(array_agg(id), '{}') as ids from solved`),
  );
  const ids = row?.ids ?? [];
  if (input.live) {
    const { live } = input;
    publishAfterCommit(
      live,
      db,
      ...ids.map((ticketId) => ({
        type: 'ticket.changed' as const,
        ticketId,
        change: 'solved' as const,
      })),
    );
  }
  return ids.length;
}
