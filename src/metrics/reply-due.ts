import { type SQL, sql } from 'drizzle-orm';
import type { Config } from '../config/index.js';
import { slaDueSql } from './refresh.js';

/*
 * When a customer's reply is due, as SQL over the ticket's messages and events: the one rule the
 * draft step (pipeline/review/sla.ts), intake and the metrics share. It reads the database only
 * through the statement it is part of, so it sits with `slaDueSql` below the steps that use it.
 */

export type SlaConfig = Pick<
  Config,
  'SLA_MINUTES' | 'SLA_BUSINESS_HOURS' | 'BUSINESS_HOURS' | 'TIME_ZONE'
>;

/**
 * When the reply clock for a customer message started — Zendesk's rule for reply targets: it runs
 * from the OLDEST customer message not yet answered. Before any public reply (a person's or the
 * AI's) or solve, that is the ticket's creation: the first-reply target. After one, it is the first
 * customer message since the latest reply or solve: a next-reply target. So a follow-up after an
 * answer gets its own clock (its draft is not overdue the moment it exists), and a second "any
 * news?" before any answer does not push the deadline back. On a ticket an agent opened with a
 * public comment, that comment answers nothing: the clock starts at the customer's first message.
 * An SQL expression over the ticket's messages and events, so the draft step computes it in the
 * statement that writes the draft.
 */
export function replyClockStartSql(input: {
  ticketId: string;
  ticketCreatedAt: Date;
  messageCreatedAt: Date;
}): SQL {
  const at = sql`${input.messageCreatedAt.toISOString()}::timestamptz`;
  return sql`(select case when r.reset_at is null
      then ${input.ticketCreatedAt.toISOString()}::timestamptz
      else coalesce((select min(c.created_at) from messages c
        where c.ticket_id = ${input.ticketId} and c.author_kind = 'customer'
          and c.created_at > r.reset_at and c.created_at <= ${at}), ${at}) end
    from (select greatest(
      (select max(m.created_at) from messages m
        where m.ticket_id = ${input.ticketId} and m.direction = 'outbound' and m.public
          and m.author_kind in ('agent', 'ai') and m.created_at <= ${at}),
      (select max(e.created_at) from ticket_events e
        where e.ticket_id = ${input.ticketId} and e.type = 'solved' and e.created_at <= ${at})
    ) as reset_at) r)`;
}

/**
 * When the reply to a customer message just stored is due, by the same rule as its draft
 * (`draftDueSql` in pipeline/review/sla.ts) with the ticket's triage as it stands (not triaged
 * yet: `normal`). Intake sets it on the ticket at once, so an unanswered ticket goes overdue even
 * when no draft is written.
 */
export function messageReplyDueSql(
  config: SlaConfig,
  input: { ticketId: string; ticketCreatedAt: Date; messageCreatedAt: Date },
): SQL {
  const triage = (column: SQL) =>
    sql`(select ${column} from ticket_triage tt where tt.ticket_id = ${input.ticketId})`;
  return slaDueSql(
    config,
    replyClockStartSql(input),
    sql`coalesce(${triage(sql`tt.sla_policy`)}, '')`,
    sql`coalesce(${triage(sql`tt.priority`)}, 'normal')`,
  );
}

/**
 * A new ticket's first-reply target before triage, in calendar seconds from its creation — the
 * same target `messageReplyDueSql` computes (no policy, priority `normal`) — so intake's
 * one-statement path can write `reply_due_at` with the ticket. Null when that target counts
 * business hours: intake then computes it first (`untriagedReplyDueSql`) and writes it the same way.
 */
export function untriagedReplySeconds(config: SlaConfig): number | null {
  const minutes = config.SLA_MINUTES as Record<string, number | undefined>;
  const key = minutes[''] !== undefined ? '' : 'normal';
  if (config.SLA_BUSINESS_HOURS.includes(key)) return null;
  return (minutes[key] ?? 1440) * 60;
}

/** `untriagedReplySeconds`'s target as a SQL expression from `start`, business hours included. */
export function untriagedReplyDueSql(config: SlaConfig, start: SQL): SQL {
  return slaDueSql(config, start, sql`''::text`, sql`'normal'::text`);
}
