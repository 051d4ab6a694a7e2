import { type SQL, sql } from 'drizzle-orm';
import type { Config } from '../../config/index.js';
import type { Db } from '../../db/client.js';
import { retirePendingDrafts } from '../../db/queries/draft-state.js';
import { getDraft, markDraftOverdue } from '../../db/queries/drafts.js';
import { recordTicketEvent } from '../../db/queries/tickets.js';
import { rowsOf } from '../../db/rows.js';
import { withTransaction } from '../../db/tx.js';
import type { Deps } from '../../deps.js';
import { slaDueSql } from '../../metrics/refresh.js';
import { raiseAlert } from '../alerts.js';

type SlaConfig = Pick<
  Config,
  'SLA_MINUTES' | 'SLA_BUSINESS_HOURS' | 'BUSINESS_HOURS' | 'TIME_ZONE'
>;

/**
 * When a draft's reply is due. The clock starts at the customer message the draft answers: the
 * first one starts at the ticket's creation (the ticket's first-reply target, the same deadline
 * the metrics judge), a follow-up at its own arrival (a next-reply target), so a follow-up draft
 * is not overdue the moment it exists. The target is SLA_MINUTES of the policy or priority, in
 * business hours for the policies in SLA_BUSINESS_HOURS — computed by the same SQL as the metrics.
 */
export async function draftDueAt(
  db: Db,
  config: SlaConfig,
  input: {
    ticketId: string;
    ticketCreatedAt: Date;
    /** The customer message the draft answers. */
    message: { id: string; createdAt: Date };
    policy: string | null;
    priority: string | null;
  },
): Promise<Date> {
  const [first] = rowsOf<{ id: string }>(
    await db.execute(sql`select id from messages
      where ticket_id = ${input.ticketId} and author_kind = 'customer'
      order by created_at, id limit 1`),
  );
  const due = draftDueSql(config, { ...input, firstCustomerMessageId: first?.id ?? null });
  const [row] = rowsOf<{ at: string | Date }>(await db.execute(sql`select ${due} as at`));
  return new Date(row!.at);
}

/**
 * `draftDueAt` as an SQL expression, for a caller that already holds the ticket's messages and
 * writes the draft in the same statement (the draft step: no round trip of its own).
 */
export function draftDueSql(
  config: SlaConfig,
  input: {
    ticketCreatedAt: Date;
    message: { id: string; createdAt: Date };
    /** The ticket's first customer message (by created_at, then id). */
    firstCustomerMessageId: string | null;
    policy: string | null;
    priority: string | null;
  },
): SQL {
  const start =
    input.firstCustomerMessageId === input.message.id
      ? input.ticketCreatedAt
      : input.message.createdAt;
  return slaDueSql(
    config,
    sql`${start.toISOString()}::timestamptz`,
    sql`${input.policy ?? ''}::text`,
    sql`${input.priority ?? 'normal'}::text`,
  );
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
  deps: Pick<Deps, 'db' | 'config' | 'log' | 'mailer'>,
  draftId: string,
): Promise<SlaCheck> {
  const draft = await getDraft(deps.db, draftId);
  if (draft?.status !== 'pending_approval' || draft.overdue) return { overdue: false };
  if (draft.slaDueAt && draft.slaDueAt.getTime() > Date.now() + 1_000) {
    // Fired early (clock skew between hosts): fail so the queue retries it with backoff.
    throw new Error(`draft ${draft.id} is not due until ${draft.slaDueAt.toISOString()}`);
  }
  if (await draftObsolete(deps.db, draft.id)) {
    await retirePendingDrafts(deps.db, draft.ticketId);
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
