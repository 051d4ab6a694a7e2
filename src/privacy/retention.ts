import { sql } from 'drizzle-orm';
import type { Config } from '../config/index.js';
import type { Db } from '../db/client.js';
import { insertAuditEntry } from '../db/queries/audit.js';
import { rowsOf } from '../db/rows.js';
import { withTransaction } from '../db/tx.js';
import { type Actor, deleteTickets, uuidList } from './erase.js';

/**
 * Data retention: what is kept how long, each period in days (0 = kept forever).
 *
 * - `tickets`: solved or closed tickets with no activity (update, message, event) within the
 *   period are deleted with everything derived from them (see deleteTickets): messages, events,
 *   triage, drafts, deliveries, model-call records, metrics facts, training labels, webhook
 *   dedupe records and pending jobs. Dashboards then no longer count them.
 * - `ticketContent`: the same tickets keep their skeleton (timestamps, status, channel, triage,
 *   draft outcomes, so metrics stay exact) but lose what the customer wrote or what identifies
 *   them: subject, requester, message bodies, authors, attachment names, mail headers, draft and
 *   final reply texts, agent notes quoting them (reject reasons, instructions), recipients, and
 *   raw model output. Labelled training examples (stored PII-redacted) are kept for the
 *   classifier until the ticket itself is deleted.
 * - `aiInteractions`: model-call records older than the period, on any ticket.
 * - `inboxEvents`: webhook dedupe records older than the period (at least 7 days, so a late
 *   redelivery is still recognised).
 * - `outbox`: relayed and failed outbox rows older than the period (pending rows never).
 * Expired webhook nonces are always removed. The rows of `retentionRules` below say which table,
 * by which age column, gets which action.
 *
 * Everything runs in batches (one short transaction each), so a first run over years of data
 * neither holds long locks nor grows one huge transaction; a run that stops halfway is simply
 * continued by the next. A dry run counts the same rows without changing anything.
 */
export interface RetentionPolicy {
  ticketsDays: number;
  ticketContentDays: number;
  aiInteractionsDays: number;
  inboxEventsDays: number;
  outboxDays: number;
  batchSize: number;
}

export function retentionPolicy(config: Config): RetentionPolicy {
  return {
    ticketsDays: config.RETENTION_TICKETS_DAYS,
    ticketContentDays: config.RETENTION_TICKET_CONTENT_DAYS,
    aiInteractionsDays: config.RETENTION_AI_INTERACTIONS_DAYS,
    inboxEventsDays: config.RETENTION_INBOX_EVENTS_DAYS,
    outboxDays: config.RETENTION_OUTBOX_DAYS,
    batchSize: config.RETENTION_BATCH_SIZE,
  };
}

export function retentionEnabled(p: RetentionPolicy): boolean {
  return (
    p.ticketsDays + p.ticketContentDays + p.aiInteractionsDays + p.inboxEventsDays + p.outboxDays >
    0
  );
}

export interface DeletedTickets {
  before: string;
  tickets: number;
  messages: number;
  ticketEvents: number;
  drafts: number;
  deliveries: number;
  aiInteractions: number;
  trainingExamples: number;
  inboxEvents: number;
  outboxRows: number;
}

export interface AnonymisedTickets {
  before: string;
  tickets: number;
  messages: number;
  drafts: number;
  deliveries: number;
  ticketEvents: number;
  aiInteractions: number;
}

export interface RetentionReport {
  dryRun: boolean;
  at: string;
  /** null: that period is 0 (kept forever). */
  tickets: DeletedTickets | null;
  ticketContent: AnonymisedTickets | null;
  aiInteractions: { before: string; deleted: number } | null;
  inboxEvents: { before: string; deleted: number } | null;
  outbox: { before: string; deleted: number } | null;
  webhookNonces: { deleted: number };
}

export interface RetentionOptions {
  now: Date;
  dryRun?: boolean;
  /** Recorded in the audit log for a real run. */
  actor: Actor;
  /** Called between batches (a job extends its lock here). */
  onBatch?: () => Promise<void>;
}

const DAY_MS = 86_400_000;
const FIRST_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * Solved or closed, and quiet since `before`: not updated, no message and no event since. Tickets
 * with a delivery still pending or in flight are left for a later run.
 */
const dormantClosed = (before: Date) => sql`
      t.status in ('solved', 'closed')
  and t.updated_at < ${before.toISOString()}::timestamptz
  and not exists (select 1 from messages m
                   where m.ticket_id = t.id and m.created_at >= ${before.toISOString()}::timestamptz)
  and not exists (select 1 from ticket_events e
                   where e.ticket_id = t.id and e.created_at >= ${before.toISOString()}::timestamptz)
  and not exists (select 1 from deliveries d
                   where d.ticket_id = t.id and d.state in ('pending', 'sending'))`;

/** Content anonymisation has something left to do on the ticket. */
const stillHasContent = sql`(
      t.subject <> '' or t.requester_email is not null or t.requester_name is not null
   or exists (select 1 from messages m where m.ticket_id = t.id
               and (m.body_text <> '' or m.stripped_text <> '' or m.body_html is not null
                    or m.author_email is not null or m.author_name is not null
                    or m.attachments <> '[]'::jsonb or m.email_message_id is not null))
   or exists (select 1 from drafts d where d.ticket_id = t.id
               and (d.body_text <> '' or d.final_text is not null or d.edit_diff is not null
                    or d.reject_reason is not null or d.instructions is not null
                    or d.regeneration_request is not null))
   or exists (select 1 from deliveries d where d.ticket_id = t.id
               and (d.recipient is not null or d.last_error is not null))
   or exists (select 1 from ticket_events e where e.ticket_id = t.id
               and (e.data ? 'reason' or e.data ? 'instructions'))
   or exists (select 1 from ai_interactions a where a.ticket_id = t.id
               and jsonb_typeof(a.output) = 'string' and a.output <> '"[removed]"'::jsonb))`;

type Counts<R> = { [K in keyof R as R[K] extends number ? K : never]: number };

/** Adds one batch's counts, named like the report's fields, to the report. */
function addCounts<R extends object>(report: R, counts: Counts<R>): void {
  const totals = report as Record<string, number>;
  for (const [field, n] of Object.entries(counts as Record<string, number>)) {
    totals[field] = (totals[field] ?? 0) + n;
  }
}

/**
 * Walks the dormant tickets matching `where` in id order, one short transaction a batch. A real
 * run locks each batch and looks again (a message may have woken a ticket since its batch was
 * read); a dry run takes the batch as read.
 */
async function forEachDormantBatch(
  db: Db,
  where: ReturnType<typeof sql>,
  before: Date,
  opts: RetentionOptions & { batchSize: number },
  fn: (tx: Db, batch: string[], list: ReturnType<typeof uuidList>) => Promise<void>,
): Promise<void> {
  let last = FIRST_UUID;
  for (;;) {
    const ids = rowsOf<{ id: string }>(
      await db.execute(sql`select t.id from tickets t
        where t.id > ${last}::uuid and ${where}
        order by t.id limit ${opts.batchSize}`),
    ).map((r) => r.id);
    if (ids.length === 0) return;
    await withTransaction(db, async (tx) => {
      const batch = opts.dryRun ? ids : await lockStillDormant(tx, ids, before);
      if (batch.length > 0) await fn(tx, batch, uuidList(batch));
    });
    last = ids.at(-1)!;
    await opts.onBatch?.();
    if (ids.length < opts.batchSize) return;
  }
}

async function lockStillDormant(tx: Db, ids: string[], before: Date): Promise<string[]> {
  return rowsOf<{ id: string }>(
    await tx.execute(sql`select t.id from tickets t
      where t.id = any(${uuidList(ids)}) and ${dormantClosed(before)} for update of t`),
  ).map((r) => r.id);
}

async function deleteDormantTickets(
  db: Db,
  before: Date,
  opts: RetentionOptions & { batchSize: number },
): Promise<DeletedTickets> {
  const report: DeletedTickets = {
    before: before.toISOString(),
    tickets: 0,
    messages: 0,
    ticketEvents: 0,
    drafts: 0,
    deliveries: 0,
    aiInteractions: 0,
    trainingExamples: 0,
    inboxEvents: 0,
    outboxRows: 0,
  };
  await forEachDormantBatch(db, dormantClosed(before), before, opts, async (tx, batch, list) => {
    const [n] = rowsOf<Counts<DeletedTickets>>(
      await tx.execute(sql`select
        ${batch.length}::int as "tickets",
        (select count(*) from messages where ticket_id = any(${list}))::int as "messages",
        (select count(*) from ticket_events where ticket_id = any(${list}))::int as "ticketEvents",
        (select count(*) from drafts where ticket_id = any(${list}))::int as "drafts",
        (select count(*) from deliveries where ticket_id = any(${list}))::int as "deliveries",
        (select count(*) from ai_interactions where ticket_id = any(${list}))::int
          as "aiInteractions",
        (select count(*) from training_examples where ticket_id = any(${list}))::int
          as "trainingExamples",
        (select count(*) from inbox_events where ticket_id = any(${list}))::int as "inboxEvents",
        (select count(*) from outbox where state = 'pending'
           and (payload->>'ticketId' = any(${list}::text[])
             or payload->>'draftId' in (select id::text from drafts where ticket_id = any(${list}))
             or payload->>'deliveryId' in
                (select id::text from deliveries where ticket_id = any(${list}))))::int
          as "outboxRows"`),
    );
    // A real run reports the inbox events and outbox rows deleteTickets actually removed.
    if (!opts.dryRun) Object.assign(n!, await deleteTickets(tx, batch));
    addCounts(report, n!);
  });
  return report;
}

async function anonymiseDormantTickets(
  db: Db,
  before: Date,
  /** The deletion cutoff: tickets dormant since then are deleted, not anonymised. */
  deletedBefore: Date | null,
  opts: RetentionOptions & { batchSize: number },
): Promise<AnonymisedTickets> {
  const report: AnonymisedTickets = {
    before: before.toISOString(),
    tickets: 0,
    messages: 0,
    drafts: 0,
    deliveries: 0,
    ticketEvents: 0,
    aiInteractions: 0,
  };
  // After a real deletion pass the exclusion matches nothing; a dry run needs it to count right.
  const where = sql`${dormantClosed(before)} and ${stillHasContent}
    ${deletedBefore ? sql`and not (${dormantClosed(deletedBefore)})` : sql``}`;
  await forEachDormantBatch(db, where, before, opts, async (tx, batch, list) => {
    if (opts.dryRun) {
      const [n] = rowsOf<Counts<AnonymisedTickets>>(
        await tx.execute(sql`select
          ${batch.length}::int as "tickets",
          (select count(*) from messages where ticket_id = any(${list}))::int as "messages",
          (select count(*) from drafts where ticket_id = any(${list}))::int as "drafts",
          (select count(*) from deliveries where ticket_id = any(${list}))::int as "deliveries",
          (select count(*) from ticket_events where ticket_id = any(${list})
             and (data ? 'reason' or data ? 'instructions'))::int as "ticketEvents",
          (select count(*) from ai_interactions where ticket_id = any(${list})
             and jsonb_typeof(output) = 'string'
             and output <> '"[removed]"'::jsonb)::int as "aiInteractions"`),
      );
      addCounts(report, n!);
      return;
    }
    // updated_at is set explicitly: anonymising is not activity, and must not restart the
    // clock of the deletion period.
    const [n] = rowsOf<Counts<AnonymisedTickets>>(
      await tx.execute(sql`
        with t as (
          update tickets set subject = '', requester_email = null, requester_name = null,
                 updated_at = updated_at
           where id = any(${list}) returning 1
        ), m as (
          update messages set body_text = '', stripped_text = '', body_html = null,
                 author_email = null, author_name = null, attachments = '[]'::jsonb,
                 email_message_id = null, email_in_reply_to = null, email_references = '{}'
           where ticket_id = any(${list}) returning 1
        ), d as (
          update drafts set body_text = '', final_text = null, edit_diff = null,
                 reject_reason = null, instructions = null, regeneration_request = null,
                 updated_at = updated_at
           where ticket_id = any(${list}) returning 1
        ), dl as (
          update deliveries set recipient = null, last_error = null, updated_at = updated_at
           where ticket_id = any(${list}) returning 1
        ), e as (
          update ticket_events set data = data - 'reason' - 'instructions'
           where ticket_id = any(${list}) and (data ? 'reason' or data ? 'instructions')
          returning 1
        ), a as (
          update ai_interactions set output = '"[removed]"'::jsonb
           where ticket_id = any(${list}) and jsonb_typeof(output) = 'string'
             and output <> '"[removed]"'::jsonb
          returning 1
        )
        select (select count(*) from t)::int as "tickets",
               (select count(*) from m)::int as "messages",
               (select count(*) from d)::int as "drafts",
               (select count(*) from dl)::int as "deliveries",
               (select count(*) from e)::int as "ticketEvents",
               (select count(*) from a)::int as "aiInteractions"`),
    );
    addCounts(report, n!);
  });
  return report;
}

type AgedTable = 'ai_interactions' | 'inbox_events' | 'outbox' | 'webhook_nonces';

/**
 * Deletes (or counts) rows of a table matching `where`, a batch at a time, each row found by
 * `key` (its primary key's columns). `order`, when given, must follow an index, so that each batch
 * finds its rows without sorting the table.
 */
async function deleteInBatches(
  db: Db,
  table: AgedTable,
  key: string,
  where: ReturnType<typeof sql>,
  order: string | null,
  opts: RetentionOptions & { batchSize: number },
): Promise<number> {
  const name = sql.raw(table);
  if (opts.dryRun) {
    return rowsOf<{ n: number }>(
      await db.execute(sql`select count(*)::int as n from ${name} where ${where}`),
    )[0]!.n;
  }
  const keys = sql.raw(key);
  let total = 0;
  for (;;) {
    const n = rowsOf<{ n: number }>(
      await db.execute(sql`with gone as (
          delete from ${name} where (${keys}) in (
            select ${keys} from ${name} where ${where}
            ${order ? sql.raw(`order by ${order}`) : sql``} limit ${opts.batchSize})
          returning 1)
        select count(*)::int as n from gone`),
    )[0]!.n;
    total += n;
    await opts.onBatch?.();
    if (n < opts.batchSize) return total;
  }
}

/**
 * What is kept how long, one row per (table, age column, action), run in this order. Two kinds of
 * row, because the logic differs:
 * - `tickets`: a ticket's age is its last activity (`updated_at`, and no message or event since:
 *   `dormantClosed`), and its action reaches every table derived from it — `delete` removes the
 *   ticket with all of it (deleteDormantTickets), `anonymise` blanks what the customer wrote in
 *   each (anonymiseDormantTickets). Deletion runs first: anonymisation need not touch what goes.
 * - every other table: rows older than the period by their own age column are deleted in batches
 *   (deleteInBatches). Rows of tickets the same run deletes are left out of a dry run's count
 *   (`withTickets`); `order` must follow an index (null: the table's natural order). `days` null:
 *   the age column is an expiry, so the row goes when it has passed.
 */
type RetentionRule =
  | {
      table: 'tickets';
      ageColumn: 'updated_at';
      action: 'delete' | 'anonymise';
      days: 'ticketsDays' | 'ticketContentDays';
    }
  | {
      table: AgedTable;
      ageColumn: string;
      action: 'delete';
      days: 'aiInteractionsDays' | 'inboxEventsDays' | 'outboxDays' | null;
      report: 'aiInteractions' | 'inboxEvents' | 'outbox' | 'webhookNonces';
      key: string;
      onlyWhen?: string;
      withTickets: boolean;
      order: string | null;
    };

const retentionRules: readonly RetentionRule[] = [
  { table: 'tickets', ageColumn: 'updated_at', action: 'delete', days: 'ticketsDays' },
  { table: 'tickets', ageColumn: 'updated_at', action: 'anonymise', days: 'ticketContentDays' },
  {
    table: 'ai_interactions',
    ageColumn: 'created_at',
    action: 'delete',
    days: 'aiInteractionsDays',
    report: 'aiInteractions',
    key: 'id',
    withTickets: true,
    order: 'created_at, id',
  },
  {
    table: 'inbox_events',
    ageColumn: 'received_at',
    action: 'delete',
    days: 'inboxEventsDays',
    report: 'inboxEvents',
    key: 'id',
    withTickets: true,
    // Not indexed; without an order a batch stops at the first rows it finds, which in this
    // append-mostly table are the old ones.
    order: null,
  },
  {
    table: 'outbox',
    ageColumn: 'created_at',
    action: 'delete',
    days: 'outboxDays',
    report: 'outbox',
    key: 'id',
    // Only rows whose job has left the outbox.
    onlyWhen: "state in ('sent', 'verified', 'failed')",
    withTickets: false,
    order: 'id',
  },
  {
    // Expired webhook nonces are always removed.
    table: 'webhook_nonces',
    ageColumn: 'expires_at',
    action: 'delete',
    days: null,
    report: 'webhookNonces',
    key: 'source, nonce',
    withTickets: false,
    order: 'expires_at',
  },
];

export async function runRetention(
  db: Db,
  policy: RetentionPolicy,
  opts: RetentionOptions,
): Promise<RetentionReport> {
  const o = { ...opts, batchSize: policy.batchSize };
  const before = (days: number) => new Date(opts.now.getTime() - days * DAY_MS);
  const at = (days: number) => sql`${before(days).toISOString()}::timestamptz`;
  const report: RetentionReport = {
    dryRun: opts.dryRun ?? false,
    at: opts.now.toISOString(),
    tickets: null,
    ticketContent: null,
    aiInteractions: null,
    inboxEvents: null,
    outbox: null,
    webhookNonces: { deleted: 0 },
  };
  // A dry run deletes nothing, so the later steps would count rows of tickets the deletion step
  // takes with it; they are left out, so that a dry run reports what a real run would do.
  const goingWithTickets = (alias: string) =>
    opts.dryRun && policy.ticketsDays > 0
      ? sql`and not exists (select 1 from tickets t where t.id = ${sql.raw(alias)}.ticket_id
                             and ${dormantClosed(before(policy.ticketsDays))})`
      : sql``;
  for (const rule of retentionRules) {
    const days = rule.days === null ? 0 : policy[rule.days];
    if (rule.days !== null && days <= 0) continue;
    if (rule.table === 'tickets') {
      if (rule.action === 'delete') {
        report.tickets = await deleteDormantTickets(db, before(days), o);
      } else {
        report.ticketContent = await anonymiseDormantTickets(
          db,
          before(days),
          policy.ticketsDays > 0 ? before(policy.ticketsDays) : null,
          o,
        );
      }
      continue;
    }
    const where = sql`${sql.raw(rule.ageColumn)} < ${at(days)}`;
    const deleted = await deleteInBatches(
      db,
      rule.table,
      rule.key,
      rule.onlyWhen
        ? sql`${sql.raw(rule.onlyWhen)} and ${where}`
        : sql`${where} ${rule.withTickets ? goingWithTickets(rule.table) : sql``}`,
      rule.order,
      o,
    );
    if (rule.report === 'webhookNonces') report.webhookNonces = { deleted };
    else report[rule.report] = { before: before(days).toISOString(), deleted };
  }
  if (!opts.dryRun && retentionEnabled(policy)) {
    await insertAuditEntry(db, {
      action: 'retention_run',
      actorKind: opts.actor.kind,
      actorId: opts.actor.id ?? null,
      data: { ...report },
    });
  }
  return report;
}
