import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { retirePendingDrafts } from '../../db/queries/draft-state.js';
import { getDraft, markDraftOverdue } from '../../db/queries/drafts.js';
import { recordTicketEvent } from '../../db/queries/tickets.js';
import { rowsOf } from '../../db/rows.js';
import { withTransaction } from '../../db/tx.js';
import type { Deps } from '../../deps.js';
import { draftChanged, publishAfterCommit } from '../../live/events.js';
import { slaDueSql } from '../../metrics/refresh.js';
import { messageReplyDueSql, replyClockStartSql, type SlaConfig } from '../../metrics/reply-due.js';
import { raiseAlert } from '../alerts.js';

/**
 * When a draft's reply is due: SLA_MINUTES of the policy or priority, counted from the reply clock's
 * start (`replyClockStartSql`), in business hours for the policies in SLA_BUSINESS_HOURS —
 * computed by the same SQL as the metrics. As an SQL expression for the draft step, which writes
 * the draft in the same statement (no round trip of its own); `draftDueAt` evaluates it alone.
 */
export function draftDueSql(
  config: SlaConfig,
  input: {
    ticketId: string;
    ticketCreatedAt: Date;
    /** The customer message the draft answers. */
    message: { createdAt: Date };
    policy: string | null;
    priority: string | null;
  },
): SQL {
  return slaDueSql(
    config,
    replyClockStartSql({ ...input, messageCreatedAt: input.message.createdAt }),
    sql`${input.policy ?? ''}::text`,
    sql`${input.priority ?? 'normal'}::text`,
  );
}

/**
 * Sets the ticket's reply clock again when re-deriving its state from its drafts left it without
 * one although the customer waits: `syncTicketDraftState` takes the due time from the latest
 * draft, and a ticket with none (a hand-written reply withdrawn within its undo window on a ticket
 * never drafted), or whose latest draft answered an earlier message, would otherwise drop out of
 * "Overdue". The due time is the one intake gave the customer's latest message
 * (`messageReplyDueSql`: from the oldest unanswered one). Leaves a ticket alone that has a due
 * time, is solved or closed, or whose latest customer message has a public reply.
 */
export async function restoreReplyClock(db: Db, config: SlaConfig, ticketId: string) {
  const [waiting] = rowsOf<{ ticket_created_at: string | Date; message_created_at: string | Date }>(
    await db.execute(sql`
      select t.created_at as ticket_created_at, m.created_at as message_created_at
        from tickets t
        join lateral (select c.created_at from messages c
                       where c.ticket_id = t.id and c.direction = 'inbound'
                         and c.author_kind = 'customer'
                       order by c.created_at desc limit 1) m on true
       where t.id = ${ticketId} and t.reply_due_at is null and not t.automated
         and t.status not in ('solved', 'closed')
         and not exists (select 1 from messages r
               where r.ticket_id = t.id and r.direction = 'outbound' and r.public
                 and r.author_kind in ('agent', 'ai') and r.created_at >= m.created_at)`),
  );
  if (!waiting) return;
  await db.execute(sql`
    update tickets set reply_due_at = ${messageReplyDueSql(config, {
      ticketId,
      ticketCreatedAt: new Date(waiting.ticket_created_at),
      messageCreatedAt: new Date(waiting.message_created_at),
    })} where id = ${ticketId}`);
}

export async function draftDueAt(
  db: Db,
  config: SlaConfig,
  input: Parameters<typeof draftDueSql>[1],
): Promise<Date> {
  const [row] = rowsOf<{ at: string | Date }>(
    await db.execute(sql`select ${draftDueSql(config, input)} as at`),
  );
  return new Date(row!.at);
}

/**
 * Whether the question a draft answers no longer needs it: the ticket is solved or closed, or a
 * public reply (a person's or the AI's) went out after the customer message the draft answers.
 */
async function draftObsolete(db: Db, draftId: string): Promise<boolean> {
  const [row] = rowsOf<{ obsolete: boolean }>(
    await db.execute(sql`select (t.status in ('solved', 'closed') or exists (
        select 1 from messages r
        where r.ticket_id = d.ticket_id and r.direction = 'outbound' and r.public
          and r.author_kind in ('agent', 'ai')
          and r.created_at >= coalesce(q.created_at, d.created_at))) as obsolete
      from drafts d join tickets t on t.id = d.ticket_id
      left join messages q on q.id = d.message_id
      where d.id = ${draftId}`),
  );
  return Boolean(row?.obsolete);
}

export type SlaCheck = { overdue: boolean; retired?: boolean };

/**
 * The SLA job, at a draft's due time: a draft still pending whose question was answered another
 * way or whose ticket was solved is retired (not a breach); otherwise it is marked overdue, an
 * `overdue` event is written (metrics count it as a breach) and the team is told.
 */
export async function checkDraftSla(
  deps: Pick<Deps, 'db' | 'config' | 'log' | 'mailer' | 'live'>,
  draftId: string,
): Promise<SlaCheck> {
  const draft = await getDraft(deps.db, draftId);
  if (draft?.status !== 'pending_approval' || draft.overdue) return { overdue: false };
  if (draft.slaDueAt && draft.slaDueAt.getTime() > Date.now() + 1_000) {
    // Fired early (clock skew between hosts): fail so the queue retries it with backoff.
    throw new Error(`draft ${draft.id} is not due until ${draft.slaDueAt.toISOString()}`);
  }
  if (await draftObsolete(deps.db, draft.id)) {
    await withTransaction(deps.db, async (tx) => {
      if ((await retirePendingDrafts(tx, draft.ticketId)) === 0) return;
      publishAfterCommit(deps.live, tx, {
        type: 'draft.decided',
        draftId: draft.id,
        ticketId: draft.ticketId,
        status: 'retired',
      });
    });
    return { overdue: false, retired: true };
  }
  const marked = await withTransaction(deps.db, async (tx) => {
    if (!(await markDraftOverdue(tx, draft.id))) return false;
    await recordTicketEvent(tx, {
      ticketId: draft.ticketId,
      type: 'overdue',
      actorKind: 'system',
      data: { draftId: draft.id, dueAt: draft.slaDueAt?.toISOString() ?? null },
    });
    publishAfterCommit(deps.live, tx, draftChanged(draft, 'overdue'));
    return true;
  });
  if (marked) {
    await raiseAlert(deps, {
      kind: 'draft_overdue',
      summary: 'A draft reply is past its SLA and still waiting for approval',
      ticketId: draft.ticketId,
      draftId: draft.id,
    });
  }
  return { overdue: marked };
}
