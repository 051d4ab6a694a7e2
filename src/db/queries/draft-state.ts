import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { drafts } from '../schema/drafts.js';

/**
 * The ticket's draft state (`tickets.draft_state`) as a function of its latest draft `d`. Every
 * draft insert and state change (`insertDraft`, `transitionDraft`) re-derives it in the same
 * transaction, so the ticket list filters and its built-in views ("Needs a human reply",
 * "Waiting on delivery", "Overdue") read one indexed column instead of a join per ticket.
 *
 * A new draft outcome is one line here (and, for existing rows, one backfill statement in a
 * migration). An abstained draft (`drafts.state`, or a `no_answer` one written before that column)
 * is the drafter declining: there was nothing to ground a reply on. A `delivery_failed` draft
 * whose delivery a guard `blocked` is `held` — what the ticket page shows from the same delivery
 * row; `deliver` moves the delivery before the draft, so the draft's change sees it.
 */
const mapping = sql`case
    when (d.state = 'abstained' or d.kind = 'no_answer') and d.status = 'pending_approval' then 'abstained'
    when d.status in ('pending_approval', 'superseded') then 'pending'
    when d.status = 'retired' then 'answered'
    when d.status = 'rejected' then 'rejected'
    when d.status = 'approved' then 'sending'
    when d.status = 'sent' then 'answered'
    when d.status = 'delivery_failed' and exists (select 1 from deliveries h
      where h.draft_id = d.id and h.state = 'blocked') then 'held'
    when d.status = 'delivery_failed' then 'delivery_failed'
    else 'none' end`;

/**
 * The draft state of a draft row aliased `d` (for a statement that derives it from the row it
 * inserts, where `syncTicketDraftState` would not see the row yet).
 */
export const draftStateOfD = mapping;

/**
 * Re-derives `draft_state` and `reply_due_at` of one ticket from its latest draft (a hand-written
 * reply withdrawn within its undo window never happened, as far as the state goes).
 *
 * A ticket whose latest customer message got a public reply some other way (an agent answered in
 * the helpdesk after rejecting the draft, or before any draft was written) is `answered`: it
 * leaves "Needs a human reply" though its latest draft stays rejected, abstained or failed.
 *
 * `reply_due_at` is the latest draft's due time only while the customer message it answers is
 * still unanswered: a public reply (a person's, from any door, or the AI's) at or after that
 * message stops the clock (docs/metrics.md, next-reply rule), whatever became of the draft —
 * rejected, failed or never decided. A later customer message gets its own draft, due by the same
 * rule, which sets it again.
 */
export async function syncTicketDraftState(
  db: Db,
  ticketId: string,
  options: { repliedAt?: Date | null } = {},
): Promise<void> {
  await db.execute(
    sql`update tickets t set ${ticketDraftStateSet(ticketId, options)} where t.id = ${ticketId}`,
  );
}

/**
 * The SET list (`draft_state = ..., reply_due_at = ...`) of `syncTicketDraftState` for the ticket
 * aliased `t`, for a statement that also writes the rows it derives from: `drafts` and `replies`
 * then name what the statement will have written (its CTEs' RETURNING rows joined to the tables),
 * since no part of one statement sees another part's writes.
 */
export function ticketDraftStateSet(
  ticketId: string,
  options: {
    repliedAt?: Date | null;
    /** The drafts, as a relation with every column of `drafts` (default: the table). */
    drafts?: SQL;
    /** The messages a public reply is looked for in (default: the table). */
    replies?: SQL;
  } = {},
): SQL {
  const draftRows = options.drafts ?? sql`drafts`;
  const replies = options.replies ?? sql`messages`;
  // A reply just recorded as sent (`recordDeliverySent`), dated at its approval: a customer message
  // after that is a follow-up it does not answer. The ticket then needs a human reply ("none", as
  // intake made it) and keeps the reply clock intake gave the follow-up, instead of the "answered"
  // and stopped clock its sent draft would give.
  const followUp = options.repliedAt
    ? sql`(${customerWroteAfter(ticketId, options.repliedAt)} and s.state = 'answered')`
    : sql`false`;
  return sql`
      draft_state = (select case
          when ${followUp} then 'none'
          when s.state in ('none', 'abstained', 'rejected', 'delivery_failed', 'held')
            and ${answeredSince(
              replies,
              sql`(select max(c.created_at) from messages c
              where c.ticket_id = t.id and c.direction = 'inbound' and c.author_kind = 'customer')`,
            )}
          then 'answered' else s.state end
        from (select coalesce((select ${mapping} from ${draftRows} d
                               where d.ticket_id = t.id and d.status <> 'withdrawn'
                               order by d.version desc limit 1), 'none') as state) s),
      reply_due_at = (select case when ${followUp} then t.reply_due_at
                        when ${answeredSince(replies, sql`coalesce(q.created_at, d.created_at)`)}
                        then null else d.sla_due_at end
                      from ${draftRows} d left join messages q on q.id = d.message_id
                      cross join lateral (select ${mapping} as state) s
                      where d.ticket_id = t.id and d.status <> 'withdrawn'
                      order by d.version desc limit 1)`;
}

/** Whether the customer wrote on the ticket after `at` (SQL, for a statement about it). */
export function customerWroteAfter(ticketId: string, at: Date): SQL {
  return sql`exists (select 1 from messages c where c.ticket_id = ${ticketId}
    and c.direction = 'inbound' and c.author_kind = 'customer'
    and c.created_at > ${at.toISOString()}::timestamptz)`;
}

/**
 * Whether ticket `t` got a public reply (an agent's or the AI's) at or after `since`, among
 * `replies` (the messages table, or a relation with its columns).
 */
function answeredSince(replies: SQL, since: SQL): SQL {
  return sql`exists (select 1 from ${replies} r
    where r.ticket_id = t.id and r.direction = 'outbound' and r.public
      and r.author_kind in ('agent', 'ai') and r.created_at >= ${since})`;
}

/**
 * Retires the ticket's pending drafts without a decision (status retired, decided_at left empty,
 * so no metric counts them as shown): called when the customer was answered outside the draft
 * flow (an agent replied in the helpdesk or by hand) or the ticket was solved. A retired draft can
 * no longer go overdue, and the ticket's draft state follows.
 */
export async function retirePendingDrafts(db: Db, ticketId: string): Promise<number> {
  const rows = await db
    .update(drafts)
    .set({
      status: 'retired',
      lockVersion: sql`${drafts.lockVersion} + 1`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(drafts.ticketId, ticketId), eq(drafts.status, 'pending_approval')))
    .returning({ id: drafts.id });
  if (rows.length > 0) await syncTicketDraftState(db, ticketId);
  return rows.length;
}
