import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gt, inArray, isNull, ne, or, type SQL, sql } from 'drizzle-orm';
import type { PgInsertValue } from 'drizzle-orm/pg-core';
import { parseJobPayload } from '../../jobs/payloads.js';
import type { Db } from '../client.js';
import { rowsOf } from '../rows.js';
import {
  type Delivery,
  type Draft,
  type DraftStatus,
  deliveries,
  drafts,
} from '../schema/drafts.js';
import { messages, type NewMessage } from '../schema/messages.js';
import { type ActorKind, type TicketEventType, ticketEvents } from '../schema/ticket-events.js';
import { type Ticket, tickets } from '../schema/tickets.js';
import { ticketTriage } from '../schema/triage.js';
import { retryingAborts, wakeOutboxAfterCommit } from '../tx.js';
import { gateWrote, insertRowsIf } from './combined.js';
import {
  customerWroteAfter,
  draftStateOfD,
  syncTicketDraftState,
  ticketDraftStateSet,
} from './draft-state.js';
import { queryRows } from './kb.js';
import { fromJson } from './ticket-context.js';
import { aiInteractionsInsert, type NewAiInteraction, visibleToTeam } from './triage.js';

export async function getDraft(db: Db, id: string): Promise<Draft | null> {
  const [row] = await db.select().from(drafts).where(eq(drafts.id, id)).limit(1);
  return row ?? null;
}

export async function latestDraftForTicket(db: Db, ticketId: string): Promise<Draft | null> {
  const [row] = await db
    .select()
    .from(drafts)
    .where(eq(drafts.ticketId, ticketId))
    .orderBy(desc(drafts.version))
    .limit(1);
  return row ?? null;
}

export async function listDraftsForTicket(db: Db, ticketId: string): Promise<Draft[]> {
  return db.select().from(drafts).where(eq(drafts.ticketId, ticketId)).orderBy(asc(drafts.version));
}

/** Inserts the next version for the ticket and supersedes any draft still pending. */
export async function insertDraft(
  db: Db,
  values: Omit<typeof drafts.$inferInsert, 'version' | 'id' | 'slaDueAt'> & {
    slaDueAt?: Date | SQL | null;
  },
): Promise<Draft> {
  await db
    .update(drafts)
    .set({ status: 'superseded', lockVersion: sql`${drafts.lockVersion} + 1` })
    .where(and(eq(drafts.ticketId, values.ticketId), eq(drafts.status, 'pending_approval')));
  const [row] = await db
    .insert(drafts)
    .values({
      ...values,
      version: sql`(select coalesce(max(version), 0) + 1 from drafts where ticket_id = ${values.ticketId})`,
    })
    .returning();
  await syncTicketDraftState(db, values.ticketId);
  return row!;
}

/**
 * `insertDraft` plus the draft step's bookkeeping in ONE statement (data-modifying CTEs, no
 * BEGIN/COMMIT): pending drafts superseded, the draft (due at `slaDueAt`, an SQL expression), the
 * ticket's draft state from it, the audit rows, the `drafted` event (`eventData` plus the draft's
 * id, version, kind, state, confidence, model, citation count and guard flags, as stored) and the
 * outbox row of its `sla` job, delayed to the due time. Seven statements in one round trip. The
 * relay is not woken for the `sla` row (a job hours away): its next pass takes it along.
 */
export async function insertDraftWithBookkeeping(
  db: Db,
  values: Omit<typeof drafts.$inferInsert, 'version' | 'id' | 'slaDueAt'>,
  extra: {
    slaDueAt: SQL;
    interactions: readonly NewAiInteraction[];
    eventData: Record<string, unknown>;
  },
): Promise<Draft> {
  const id = randomUUID();
  // Plain SQL where drizzle's builder adds nothing: building this statement is on every draft's
  // path, and the builder's generic walk over the table's columns and chunks cost more than the
  // rest of the step's bookkeeping (bench:pipeline --profile). `updated_at` as drizzle's
  // `$onUpdate` would set it; the insert returns every column (`returning *`, what row_to_json
  // reads below) rather than a list of them.
  const superseded = sql`update drafts set status = 'superseded', lock_version = lock_version + 1,
      updated_at = ${new Date().toISOString()}::timestamptz
    where ticket_id = ${values.ticketId} and status = 'pending_approval'`;
  const inserted = db.insert(drafts).values({
    ...values,
    id,
    version: sql`(select coalesce(max(version), 0) + 1 from drafts where ticket_id = ${values.ticketId})`,
    slaDueAt: sql`(${extra.slaDueAt})`,
  });
  const audit = aiInteractionsInsert(db, extra.interactions);
  const event = JSON.stringify({ ...extra.eventData, draftId: id });
  const sla = JSON.stringify(parseJobPayload('sla', { draftId: id }));
  const [row] = rowsOf<{ draft: unknown }>(
    await db.execute(sql`
      with superseded as (${superseded}),
      d as (${inserted.getSQL()} returning *),
      state as (
        update tickets t set draft_state = ${draftStateOfD}, reply_due_at = d.sla_due_at
        from d where t.id = d.ticket_id),
      ${audit ? sql`audit as (${audit.getSQL()}),` : sql``}
      event as (
        insert into ticket_events (ticket_id, type, actor_kind, data)
        select d.ticket_id, 'drafted', 'ai', ${event}::jsonb || jsonb_build_object(
                 'version', d.version, 'kind', d.kind, 'state', d.state,
                 'confidence', d.confidence, 'model', d.model,
                 'citations', jsonb_array_length(d.citations), 'guardFlags', to_jsonb(d.guard_flags))
        from d),
      sla as (
        insert into outbox (job_name, payload, delay_ms)
        select 'sla', ${sla}::jsonb,
               greatest(0, ceil(extract(epoch from d.sla_due_at - now()) * 1000))::int
        from d)
      select row_to_json(d) as draft from d`),
  );
  return fromJson(drafts, row!.draft)!;
}

/** The draft with its ticket, in one statement (an approval reads both before it decides). */
export async function getDraftWithTicket(
  db: Db,
  id: string,
): Promise<{ draft: Draft; ticket: Ticket } | null> {
  const [row] = await db
    .select({ draft: drafts, ticket: tickets })
    .from(drafts)
    .innerJoin(tickets, eq(tickets.id, drafts.ticketId))
    .where(eq(drafts.id, id))
    .limit(1);
  return row ?? null;
}

/**
 * An approval (an agent's, or an auto-send) as ONE statement, no BEGIN/COMMIT: the draft's
 * compare-and-set from pending (under its lock version) is the gate; when it wrote, the delivery
 * row (unique per draft: a row already there is kept and no second job is queued), the outbox row
 * of its `deliver` job (available when the undo window ends), the ticket event, and the ticket's
 * draft state. An approval was eleven round trips from the API with its reads (docs/scaling.md);
 * this is the one write that decides.
 *
 * The draft state is `sending` (draftStateOfD of an approved draft) when the approved draft is the
 * ticket's latest, as a pending one always is (a new draft supersedes the pending ones); a later
 * draft, were there one, decides instead, so the ticket is then left as it is. Its reply clock does
 * not move: an approval changes neither the draft's due time nor the messages that stop it.
 * Null when the gate wrote nothing (decided, changed or claimed meanwhile).
 */
export async function recordApproval(
  db: Db,
  input: {
    draftId: string;
    lockVersion: number;
    set: Partial<typeof drafts.$inferInsert>;
    delivery: { channel: Delivery['channel']; recipient: string | null; public: boolean };
    /** The undo window: the send waits this long (0: at once, no `sendAfter`). */
    sendAfterSeconds: number;
    event: {
      type: TicketEventType;
      actorKind: ActorKind;
      actorId: string;
      data: Record<string, unknown>;
    };
  },
): Promise<{ draft: Draft; delivery: Delivery | null } | null> {
  const gate = db
    .update(drafts)
    .set({ ...input.set, lockVersion: sql`${drafts.lockVersion} + 1`, updatedAt: sql`now()` })
    .where(
      and(
        eq(drafts.id, input.draftId),
        eq(drafts.status, 'pending_approval'),
        eq(drafts.lockVersion, input.lockVersion),
      ),
    );
  const deliveryId = randomUUID();
  const wait = Math.max(0, input.sendAfterSeconds);
  const sendAfter = wait > 0 ? sql`now() + make_interval(secs => ${wait})` : sql`null::timestamptz`;
  const payload = JSON.stringify(parseJobPayload('deliver', { deliveryId }));
  const [row] = rowsOf<{ draft: unknown; delivery: unknown }>(
    await db.execute(sql`
      with gate as (${gate.getSQL()} returning *),
      delivery as (
        insert into deliveries (id, draft_id, ticket_id, channel, recipient, public, send_after)
        select ${deliveryId}::uuid, gate.id, gate.ticket_id, ${input.delivery.channel},
               ${input.delivery.recipient}, ${input.delivery.public}, ${sendAfter}
        from gate
        on conflict (draft_id) do nothing
        returning *),
      job as (
        insert into outbox (job_name, payload, available_at)
        select 'deliver', ${payload}::jsonb, coalesce(delivery.send_after, now()) from delivery),
      event as (
        insert into ticket_events (ticket_id, type, actor_kind, actor_id, data)
        select gate.ticket_id, ${input.event.type}, ${input.event.actorKind},
               ${input.event.actorId}, ${JSON.stringify(input.event.data)}::jsonb
        from gate),
      state as (
        update tickets t set draft_state = ${draftStateOfD}
        from gate d
        where t.id = d.ticket_id and not exists (select 1 from drafts x
          where x.ticket_id = d.ticket_id and x.version > d.version and x.status <> 'withdrawn'))
      select row_to_json(gate) as draft, (select row_to_json(delivery) from delivery) as delivery
      from gate`),
  );
  if (!row) return null;
  wakeOutboxAfterCommit(db);
  return { draft: fromJson(drafts, row.draft)!, delivery: fromJson(deliveries, row.delivery) };
}

/**
 * The only way a draft changes state: compare-and-set on (status, lock_version). Returns null when
 * someone else changed it first — the caller answers 409 instead of acting twice.
 */
export async function transitionDraft(
  db: Db,
  id: string,
  expected: { status: DraftStatus | DraftStatus[]; lockVersion?: number },
  set: Partial<typeof drafts.$inferInsert>,
): Promise<Draft | null> {
  const statuses = Array.isArray(expected.status) ? expected.status : [expected.status];
  const [row] = await db
    .update(drafts)
    .set({ ...set, lockVersion: sql`${drafts.lockVersion} + 1`, updatedAt: sql`now()` })
    .where(
      and(
        eq(drafts.id, id),
        inArray(drafts.status, statuses),
        expected.lockVersion === undefined
          ? undefined
          : eq(drafts.lockVersion, expected.lockVersion),
      ),
    )
    .returning();
  if (row) await syncTicketDraftState(db, row.ticketId);
  return row ?? null;
}

/** The draft, locked for the rest of the transaction (`for update`), or null. */
export async function lockDraft(db: Db, id: string): Promise<Draft | null> {
  const [row] = await db.select().from(drafts).where(eq(drafts.id, id)).limit(1).for('update');
  return row ?? null;
}

/**
 * The model's text so far, on a stand-in that still waits for it (`provisional`, pending). The
 * lock version is left alone: an agent reading the stand-in can still claim or approve it. False
 * when the stand-in no longer waits.
 */
export async function setDraftPreview(db: Db, id: string, text: string): Promise<boolean> {
  const rows = await db
    .update(drafts)
    .set({ llmPreview: text })
    .where(
      and(eq(drafts.id, id), eq(drafts.provisional, true), eq(drafts.status, 'pending_approval')),
    )
    .returning({ id: drafts.id });
  return rows.length > 0;
}

/** The streamed text of a stand-in still waiting for the model (null when it is not). */
export async function getDraftPreview(
  db: Db,
  id: string,
): Promise<{ ticketId: string; text: string } | null> {
  const [row] = await db
    .select({ ticketId: drafts.ticketId, text: drafts.llmPreview })
    .from(drafts)
    .where(
      and(eq(drafts.id, id), eq(drafts.provisional, true), eq(drafts.status, 'pending_approval')),
    )
    .limit(1);
  return row ? { ticketId: row.ticketId, text: row.text ?? '' } : null;
}

/**
 * The model finished with a stand-in: its preview goes. `replaced`: it stays marked provisional
 * (the history says the model's draft replaced it); otherwise an agent kept it, and it is an
 * ordinary extractive draft. The lock version is left alone, as with the preview.
 */
export async function resolveStandIn(
  db: Db,
  id: string,
  outcome: { replaced: boolean },
): Promise<void> {
  await db
    .update(drafts)
    .set({ llmPreview: null, ...(outcome.replaced ? {} : { provisional: false }) })
    .where(eq(drafts.id, id));
}

/** Claims for `agentId` unless another agent holds a claim younger than `ttlSeconds`. */
export async function claimDraft(
  db: Db,
  id: string,
  agentId: string,
  ttlSeconds: number,
): Promise<Draft | null> {
  const [row] = await db
    .update(drafts)
    .set({ claimedBy: agentId, claimedAt: sql`now()`, lockVersion: sql`${drafts.lockVersion} + 1` })
    .where(
      and(
        eq(drafts.id, id),
        eq(drafts.status, 'pending_approval'),
        or(
          isNull(drafts.claimedBy),
          eq(drafts.claimedBy, agentId),
          sql`${drafts.claimedAt} < now() - make_interval(secs => ${ttlSeconds})`,
        ),
      ),
    )
    .returning();
  return row ?? null;
}

export interface PendingDraftFilters {
  /** Exactly this routed team (a filter the caller chose). */
  team?: string;
  /** Team scoping of the caller: only tickets visible to this team (`visibleToTeam`). */
  scopeTeam?: string;
  queue?: string;
  category?: string;
  priority?: string;
  limit: number;
  /** Opaque cursor: the (sla_due_at, id) of the last row of the previous page. */
  after?: { slaDueAt: string; id: string };
}

/**
 * Pending drafts ordered by SLA risk: the earliest due first (overdue ones are simply the
 * earliest; priority already shortened the due time). Keyset-paginated on (sla_due_at, id) so pages are stable while new
 * drafts arrive.
 */
export async function listPendingDrafts(db: Db, f: PendingDraftFilters) {
  const due = sql`coalesce(${drafts.slaDueAt}, 'infinity'::timestamptz)`;
  return db
    .select({
      draft: drafts,
      ticket: {
        id: tickets.id,
        subject: tickets.subject,
        requesterEmail: tickets.requesterEmail,
        requesterName: tickets.requesterName,
        channel: tickets.channel,
        automated: tickets.automated,
        language: tickets.language,
      },
      triage: {
        category: ticketTriage.category,
        priority: ticketTriage.priority,
        team: ticketTriage.team,
        queue: ticketTriage.queue,
        sentiment: ticketTriage.sentiment,
      },
    })
    .from(drafts)
    .innerJoin(tickets, eq(tickets.id, drafts.ticketId))
    .leftJoin(ticketTriage, eq(ticketTriage.ticketId, drafts.ticketId))
    .where(
      and(
        eq(drafts.status, 'pending_approval'),
        f.team ? eq(ticketTriage.team, f.team) : undefined,
        f.scopeTeam ? visibleToTeam(f.scopeTeam) : undefined,
        f.queue ? eq(ticketTriage.queue, f.queue) : undefined,
        f.category ? eq(ticketTriage.category, f.category) : undefined,
        f.priority ? eq(ticketTriage.priority, f.priority as 'low') : undefined,
        f.after
          ? sql`(${due}, ${drafts.id}) > (${f.after.slaDueAt}::timestamptz, ${f.after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(due, drafts.id)
    .limit(f.limit);
}

export async function insertDelivery(
  db: Db,
  // PgInsertValue: columns may be SQL (sendAfter is computed from the database clock).
  values: PgInsertValue<typeof deliveries>,
): Promise<Delivery> {
  const [row] = await db
    .insert(deliveries)
    .values(values)
    .onConflictDoNothing({ target: deliveries.draftId })
    .returning();
  if (row) return row;
  const [existing] = await db
    .select()
    .from(deliveries)
    .where(eq(deliveries.draftId, values.draftId))
    .limit(1);
  return existing!;
}

export async function getDelivery(db: Db, id: string): Promise<Delivery | null> {
  const [row] = await db.select().from(deliveries).where(eq(deliveries.id, id)).limit(1);
  return row ?? null;
}

/** What a deliver job reads before it sends, in one statement (see `getDeliveryWithDraftAndTicket`). */
export interface DeliveryContext {
  delivery: Delivery;
  draft: Draft | null;
  ticket: Ticket | null;
  /** Emails sent (or in flight) to the delivery's recipient in the last 24 hours: the daily cap. */
  sentToday: number;
  /** The customer's latest mail on the ticket, which the reply threads under. */
  lastInbound: { emailMessageId: string; emailReferences: string[] } | null;
}

/**
 * The delivery with its draft and ticket, the recipient's sends of the last 24 hours and the
 * ticket's latest inbound mail ids, in one statement: five lookups were five round trips per
 * reply sent, and a deliver job is the pipeline stage that waits on the most of them
 * (docs/scaling.md).
 */
export async function getDeliveryWithDraftAndTicket(
  db: Db,
  id: string,
): Promise<DeliveryContext | null> {
  const [row] = await db
    .select({
      delivery: deliveries,
      draft: drafts,
      ticket: tickets,
      sentToday: sql<number>`(select count(*)::int from ${deliveries} s
        where ${deliveries.recipient} is not null and s.recipient = lower(${deliveries.recipient})
          and s.state in ('sent', 'sending', 'uncertain')
          and coalesce(s.sent_at, s.updated_at) > now() - interval '24 hours')`.mapWith(Number),
      lastInbound: sql<{ emailMessageId: string; emailReferences: string[] } | null>`(
        select json_build_object('emailMessageId', m.email_message_id,
                                 'emailReferences', m.email_references)
        from ${messages} m
        where m.ticket_id = ${deliveries.ticketId} and m.direction = 'inbound'
          and m.email_message_id is not null
        order by m.created_at desc limit 1)`.mapWith((v: unknown) =>
        // postgres.js hands json over parsed, PGlite as text.
        typeof v === 'string' ? JSON.parse(v) : v,
      ),
    })
    .from(deliveries)
    .leftJoin(drafts, eq(drafts.id, deliveries.draftId))
    .leftJoin(tickets, eq(tickets.id, deliveries.ticketId))
    .where(eq(deliveries.id, id))
    .limit(1);
  return row ?? null;
}

export async function getDeliveryForDraft(db: Db, draftId: string): Promise<Delivery | null> {
  const [row] = await db.select().from(deliveries).where(eq(deliveries.draftId, draftId)).limit(1);
  return row ?? null;
}

/** Compare-and-set on the delivery state, like drafts. */
export async function transitionDelivery(
  db: Db,
  id: string,
  from: Delivery['state'][],
  set: Partial<typeof deliveries.$inferInsert>,
): Promise<Delivery | null> {
  const [row] = await db
    .update(deliveries)
    .set({ ...set, updatedAt: sql`now()` })
    .where(and(eq(deliveries.id, id), inArray(deliveries.state, from)))
    .returning();
  return row ?? null;
}

/**
 * Records a reply that went out, once, in ONE statement (atomic on its own, so no BEGIN/COMMIT):
 * the delivery `sending` → `sent` decides (a row another attempt already moved on writes nothing
 * and returns false); with it the draft approved → sent, the outbound message, the `sent` event
 * (`event.data` plus the row's `attempts`) and the ticket: waiting on the customer (`pending`) for
 * a public reply to a new or open ticket, and its draft state and reply clock, derived as
 * `syncTicketDraftState` does from the drafts and messages as this statement leaves them (its own
 * RETURNING rows stand in for the draft it changes and the message it adds, which no part of the
 * statement could read back). One round trip where a transaction took four and one statement per
 * write took eight.
 */
export async function recordDeliverySent(
  db: Db,
  sent: {
    deliveryId: string;
    draftId: string;
    ticketId: string;
    externalId: string | null;
    message: NewMessage;
    event: { actorKind: ActorKind; actorId: string | null; data: Record<string, unknown> };
    ticketAnswered: boolean;
  },
): Promise<boolean> {
  // The customer wrote after the reply was approved (during its undo window): that follow-up is
  // not answered by it, so the ticket is not left waiting on the customer (see syncTicketDraftState).
  const approvedAt = sent.message.createdAt;
  const gate = db
    .update(deliveries)
    .set({
      state: 'sent',
      sentAt: sent.message.sentAt ?? new Date(),
      externalId: sent.externalId,
      lastError: null,
      updatedAt: sql`now()`,
    })
    .where(and(eq(deliveries.id, sent.deliveryId), eq(deliveries.state, 'sending')))
    .returning({ attempts: deliveries.attempts });
  const draft = db
    .update(drafts)
    .set({ status: 'sent', lockVersion: sql`${drafts.lockVersion} + 1`, updatedAt: sql`now()` })
    .where(and(eq(drafts.id, sent.draftId), eq(drafts.status, 'approved'), gateWrote));
  const answered = sent.ticketAnswered
    ? sql`t.status in ('new', 'open')${
        approvedAt ? sql` and not ${customerWroteAfter(sent.ticketId, approvedAt)}` : sql``
      }`
    : sql`false`;
  // This ticket's rows only, so each side reads by its ticket index.
  const draftState = ticketDraftStateSet(sent.ticketId, {
    repliedAt: approvedAt ?? null,
    drafts: sql`(select * from drafts where ticket_id = ${sent.ticketId}
                   and id not in (select id from sent_draft)
                 union all select * from sent_draft)`,
    replies: sql`(select ticket_id, direction, public, author_kind, created_at from messages
                    where ticket_id = ${sent.ticketId}
                  union all
                  select ticket_id, direction, public, author_kind, created_at from sent_message)`,
  });
  // The rows the transaction it replaces changed (delivery, draft, ticket); a deadlock victim
  // wrote nothing and runs again, as withTransaction ran that transaction again.
  const result = await retryingAborts(db, () =>
    db.execute(sql`
      with gate as (${gate.getSQL()}),
      sent_draft as (${draft.getSQL()} returning *),
      sent_message as (${insertRowsIf(messages, [sent.message], gateWrote)} returning *),
      event as (
        insert into ${ticketEvents} (ticket_id, type, actor_kind, actor_id, data)
        select ${sent.ticketId}::uuid, 'sent', ${sent.event.actorKind}, ${sent.event.actorId},
          ${JSON.stringify(sent.event.data)}::jsonb || jsonb_build_object('attempts', gate.attempts)
        from gate),
      ticket as (
        update tickets t set
          status = case when ${answered} then 'pending' else t.status end,
          updated_at = case when ${answered} then now() else t.updated_at end,
          ${draftState}
        where t.id = ${sent.ticketId} and ${gateWrote})
      select ${gateWrote} as wrote`),
  );
  return rowsOf<{ wrote: boolean }>(result)[0]!.wrote === true;
}

/**
 * The replies Deskpilot has posted, or is posting, as comments on this Zendesk ticket: what a
 * comment coming back by webhook is compared with. In flight counts too, since the webhook can
 * overtake the transaction that records the send. Failed and uncertain deliveries do not: an
 * agent may have posted that text by hand after the alert.
 */
export async function listZendeskRepliesSent(
  db: Db,
  ticketId: string,
): Promise<{ externalId: string | null; text: string }[]> {
  return db
    .select({
      externalId: deliveries.externalId,
      text: sql<string>`coalesce(${drafts.finalText}, ${drafts.bodyText})`,
    })
    .from(drafts)
    .innerJoin(deliveries, eq(deliveries.draftId, drafts.id))
    .where(
      and(
        // Through drafts: (ticket_id, version) is indexed, deliveries.ticket_id is not.
        eq(drafts.ticketId, ticketId),
        eq(deliveries.channel, 'zendesk'),
        inArray(deliveries.state, ['sending', 'sent']),
      ),
    );
}

/** Recent decided drafts of a category, for the auto-send policy's track record. */
export async function recentDecisions(db: Db, category: string, limit: number) {
  return db
    .select({ status: drafts.status, editDistance: drafts.editDistance, autoSent: drafts.autoSent })
    .from(drafts)
    .innerJoin(ticketTriage, eq(ticketTriage.ticketId, drafts.ticketId))
    .where(
      and(
        eq(ticketTriage.category, category),
        inArray(drafts.status, ['approved', 'sent', 'rejected', 'delivery_failed']),
        eq(drafts.autoSent, false),
        // A reply written by hand says nothing about the drafts' track record.
        ne(drafts.kind, 'manual'),
      ),
    )
    .orderBy(desc(drafts.decidedAt))
    .limit(limit);
}

/**
 * Flags a still-pending draft as overdue without touching its lock version: an agent who loaded
 * the draft before the deadline can still approve it.
 */
export async function markDraftOverdue(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .update(drafts)
    .set({ overdue: true, updatedAt: sql`now()` })
    .where(and(eq(drafts.id, id), eq(drafts.status, 'pending_approval'), eq(drafts.overdue, false)))
    .returning({ id: drafts.id });
  return rows.length > 0;
}

/** The manual reply sent under this idempotency key for the ticket, if any. */
export async function findDraftByIdempotencyKey(
  db: Db,
  ticketId: string,
  key: string,
): Promise<Draft | null> {
  const [row] = await db
    .select()
    .from(drafts)
    .where(and(eq(drafts.ticketId, ticketId), eq(drafts.idempotencyKey, key)))
    .limit(1);
  return row ?? null;
}

/** The language of the requester's most recent other ticket among `languages`, if any. */
export async function previousRequesterLanguage(
  db: Db,
  input: { requesterEmail: string; excludeTicketId: string; languages: readonly string[] },
): Promise<string | null> {
  if (input.languages.length === 0) return null;
  const [row] = await db
    .select({ language: tickets.language })
    .from(tickets)
    .where(
      and(
        eq(tickets.requesterEmail, input.requesterEmail),
        sql`${tickets.id} <> ${input.excludeTicketId}`,
        inArray(tickets.language, [...input.languages]),
      ),
    )
    .orderBy(desc(tickets.createdAt))
    .limit(1);
  return row?.language ?? null;
}

/**
 * Tickets the knowledge base did not answer since `since`: their latest draft abstained, or an
 * agent rejected it as wrong or missing information, and no article was written for them since
 * (`kb_article_gap_tickets`). One row per ticket, newest first.
 */
export async function listKnowledgeGapTickets(
  db: Db,
  since: Date,
  limit = 5_000,
): Promise<{ ticketId: string; subject: string; text: string; createdAt: Date; why: string }[]> {
  const rows = await queryRows<{
    ticket_id: string;
    subject: string;
    text: string;
    created_at: string | Date;
    why: string;
  }>(
    db,
    sql`
    select distinct on (d.ticket_id) d.ticket_id, t.subject,
      coalesce(nullif(m.stripped_text, ''), m.body_text, '') as text, d.created_at,
      case when d.state = 'abstained' then 'abstained' else 'rejected' end as why
    from drafts d
    join tickets t on t.id = d.ticket_id
    left join messages m on m.id = d.message_id
    where d.created_at >= ${since.toISOString()}::timestamptz
      and (
        (d.state = 'abstained' and d.status in ('pending_approval', 'superseded', 'rejected'))
        or (d.status = 'rejected' and d.reject_reason ~* '^(wrong answer|missing information)')
      )
      -- An article written for the gap since this draft closes it for the ticket.
      and not exists (
        select 1 from kb_article_gap_tickets g
        where g.ticket_id = d.ticket_id and g.created_at >= d.created_at
      )
    order by d.ticket_id, d.version desc
    limit ${limit}`,
  );
  return rows
    .map((r) => ({
      ticketId: r.ticket_id,
      subject: r.subject,
      text: r.text,
      createdAt: new Date(r.created_at),
      why: r.why,
    }))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

/**
 * Deletes a delivery that has not started (`pending`): the compare-and-set an undo wins against
 * the worker's pending → sending. Returns null when the worker was first (or it is gone).
 */
export async function deletePendingDelivery(db: Db, draftId: string): Promise<Delivery | null> {
  const [row] = await db
    .delete(deliveries)
    .where(and(eq(deliveries.draftId, draftId), eq(deliveries.state, 'pending')))
    .returning();
  return row ?? null;
}

/**
 * Locks the ticket's drafts that a reply written by hand competes with: written by Deskpilot and
 * still pending approval, or approved and (perhaps) waiting out the undo window. `for update`
 * orders this against a concurrent approval's compare-and-set on the same rows: whichever commits
 * first, the other sees its result.
 */
export async function lockOpenAiDrafts(db: Db, ticketId: string): Promise<Draft[]> {
  return db
    .select()
    .from(drafts)
    .where(
      and(
        eq(drafts.ticketId, ticketId),
        ne(drafts.kind, 'manual'),
        inArray(drafts.status, ['pending_approval', 'approved']),
      ),
    )
    .orderBy(asc(drafts.version))
    .for('update');
}

/** A decision taken back: the text stays as the working copy; the decision and its metrics go. */
export const UNDECIDED = {
  decidedBy: null,
  decidedAt: null,
  editDistance: null,
  editDiff: null,
  wordsSent: null,
  autoSent: false,
} as const;

/**
 * Puts drafts that a withdrawn hand-written reply had superseded back to pending approval — only
 * while nothing newer than each (other than withdrawn replies) exists for the ticket. The approved
 * text stays as the working copy; the decision goes.
 */
export async function restoreSupersededDrafts(db: Db, ids: string[]): Promise<Draft[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .update(drafts)
    .set({
      status: 'pending_approval',
      ...UNDECIDED,
      lockVersion: sql`${drafts.lockVersion} + 1`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        inArray(drafts.id, ids),
        eq(drafts.status, 'superseded'),
        sql`not exists (select 1 from drafts n where n.ticket_id = ${drafts.ticketId}
              and n.version > ${drafts.version} and n.status <> 'withdrawn')`,
      ),
    )
    .returning();
  for (const ticketId of new Set(rows.map((r) => r.ticketId))) {
    await syncTicketDraftState(db, ticketId);
  }
  return rows;
}

/** The ticket's current draft: the latest version that was not a withdrawn hand-written reply. */
export function currentDraft<D extends Pick<Draft, 'status'>>(ordered: D[]): D | null {
  return ordered.findLast((d) => d.status !== 'withdrawn') ?? null;
}

/**
 * A colleague's reply to the customer: a Deskpilot draft someone else approved or wrote by hand
 * (`deskpilot`, its draft id), or a public comment an agent made in the helpdesk itself
 * (`helpdesk`, the message id).
 */
export interface ColleagueReply {
  id: string;
  source: 'deskpilot' | 'helpdesk';
  /** Who: the deciding agent (null for an auto-sent draft), or the helpdesk comment's author. */
  by: string | null;
  at: Date;
  /** Approved and still waiting out its undo window. */
  pending: boolean;
}

/**
 * The newest reply of the ticket that someone other than `actor` made after `since` and that
 * went or is going to the customer: a draft decided since (approved, waiting out its undo window
 * or being sent, or sent), or a public agent comment from the helpdesk that arrived since. The
 * agent-collision check of a hand-written reply (pipeline/reply/manual.ts).
 *
 * A helpdesk comment counts from when it reached Deskpilot (its first webhook delivery), not
 * when it was written: one written before the agent read the ticket but delivered after could
 * not have been seen. Our own deliveries (messages with `sent_at`) are the drafts above, and the
 * helpdesk's echoes of them are never stored (ingest/intake.ts); internal notes are not replies;
 * a comment by the agent themself (same address) is not a collision.
 */
export async function latestReplyByOthersSince(
  db: Db,
  ticketId: string,
  f: { since: Date; actor: string },
): Promise<ColleagueReply | null> {
  const [draft] = await db
    .select()
    .from(drafts)
    .where(
      and(
        eq(drafts.ticketId, ticketId),
        inArray(drafts.status, ['approved', 'sent']),
        gt(drafts.decidedAt, f.since),
        or(isNull(drafts.decidedBy), ne(drafts.decidedBy, f.actor)),
      ),
    )
    .orderBy(desc(drafts.decidedAt))
    .limit(1);
  const since = f.since.toISOString();
  const [comment] = await queryRows<{
    id: string;
    by: string | null;
    at: string | Date;
  }>(
    db,
    sql`
    select m.id, coalesce(m.author_name, m.author_email) as by, m.created_at as at
      from messages m
     where m.ticket_id = ${ticketId}
       and m.author_kind = 'agent' and m.public and m.sent_at is null
       and (m.author_email is null or lower(m.author_email) <> lower(${f.actor}))
       -- The ticket's own inbox events (inbox_events_ticket_idx), not a scan of every webhook.
       and coalesce((select min(e.received_at) from inbox_events e
                      where e.ticket_id = m.ticket_id and e.message_id = m.id),
                    m.created_at) > ${since}::timestamptz
     order by m.created_at desc
     limit 1`,
  );
  const fromDraft: ColleagueReply | null = draft
    ? {
        id: draft.id,
        source: 'deskpilot',
        by: draft.decidedBy,
        at: draft.decidedAt!,
        pending: draft.status === 'approved',
      }
    : null;
  const fromHelpdesk: ColleagueReply | null = comment
    ? {
        id: comment.id,
        source: 'helpdesk',
        by: comment.by,
        at: new Date(comment.at),
        pending: false,
      }
    : null;
  if (!fromDraft || !fromHelpdesk) return fromDraft ?? fromHelpdesk;
  return fromHelpdesk.at > fromDraft.at ? fromHelpdesk : fromDraft;
}
