import type { Db } from '../client.js';
import { rowsOf } from '../rows.js';
import type { SignatureMeta } from '../schema/inbox-events.js';
import type { NewMessage } from '../schema/messages.js';
import type { NewTicket } from '../schema/tickets.js';
import type { NewTicketEvent } from './tickets.js';

/**
 * Everything one delivery that creates a ticket writes, with ids chosen by the caller so the
 * inbox event can point at its ticket and message, and the outbox payload can name them, before
 * either exists.
 */
export interface NewTicketWrite {
  inboxEvent: {
    source: string;
    dedupeKey: string;
    eventType: string;
    signature: SignatureMeta;
    ticketId: string;
    messageId: string | null;
  };
  /**
   * No helpdesk id: a new mail thread, which no other delivery can create (see the claim).
   * `replyDueSeconds`: the first reply's SLA target in seconds from the ticket's creation,
   * written as its `reply_due_at` (null: no reply clock). A target in business hours is computed
   * by the caller beforehand, with the creation time it counts from.
   */
  ticket: NewTicket & { id: string; externalId: string | null; replyDueSeconds: number | null };
  message: (NewMessage & { id: string }) | null;
  /** In order; their ticket id is the ticket's. */
  events: Omit<NewTicketEvent, 'ticketId'>[];
  outbox: { jobName: string; payload: Record<string, unknown> }[];
}

/*
 * One statement, hence one implicit transaction and one round trip. The input is a single jsonb
 * parameter unpacked with jsonb_to_record, which types every column the same way on postgres.js
 * and PGlite (arrays, booleans, timestamps) and keeps the statement text constant, so postgres.js
 * prepares it once per connection.
 *
 * How it stays all-or-nothing:
 * - claim: the inbox event is inserted only when no ticket with this helpdesk id is visible (a
 *   ticket without one, a new mail thread, never matches), and not at all when the dedupe key is
 *   taken (a concurrent copy waits on the unique index, then does nothing).
 * - ticket: inserted only if the claim was. The message, events and outbox rows select FROM the
 *   ticket CTE, so nothing else is written without it.
 * - The inbox event already names the ticket's id. If a concurrent delivery commits the same
 *   helpdesk ticket between this statement's snapshot and its insert, the ticket insert does
 *   nothing and the foreign key check at the end of the statement fails: the statement rolls back
 *   entirely and the caller takes the general path (see isLostTicketRace).
 */
const insertNewTicketSql = `
with claim as (
  insert into inbox_events (source, dedupe_key, event_type, signature, ticket_id, message_id)
  select r.source, r."dedupeKey", r."eventType", r.signature, r."ticketId", r."messageId"
  from jsonb_to_record($1::jsonb -> 'inboxEvent') as r(
    source text, "dedupeKey" text, "eventType" text, signature jsonb, "ticketId" uuid,
    "messageId" uuid)
  where not exists (
    select 1 from tickets t
    where t.source = $1::jsonb -> 'ticket' ->> 'source'
      and t.external_id = $1::jsonb -> 'ticket' ->> 'externalId')
  on conflict (source, dedupe_key) do nothing
  returning id
), ticket as (
  insert into tickets (id, source, external_id, subject, requester_email, requester_name, channel,
    status, tags, language, automated, automated_reason, integration_key_id, created_at,
    reply_due_at)
  select r.id, r.source, r."externalId", r.subject, r."requesterEmail", r."requesterName", r.channel,
    r.status, r.tags, r.language, r.automated, r."automatedReason", r."integrationKeyId",
    coalesce(r."createdAt", now()),
    coalesce(r."createdAt", now()) + make_interval(secs => r."replyDueSeconds")
  from jsonb_to_record($1::jsonb -> 'ticket') as r(
    id uuid, source text, "externalId" text, subject text, "requesterEmail" text,
    "requesterName" text, channel text, status text, tags text[], language text,
    automated boolean, "automatedReason" text, "integrationKeyId" text, "createdAt" timestamptz,
    "replyDueSeconds" float8)
  where exists (select 1 from claim)
  on conflict (source, external_id) do nothing
  returning id
), message as (
  insert into messages (id, ticket_id, direction, author_kind, author_email, author_name,
    external_id, public, body_text, body_html, stripped_text, email_message_id, email_in_reply_to,
    email_references, attachments, created_at)
  select r.id, ticket.id, r.direction, r."authorKind", r."authorEmail", r."authorName",
    r."externalId", r.public, r."bodyText", r."bodyHtml", r."strippedText", r."emailMessageId",
    r."emailInReplyTo", r."emailReferences", r.attachments, coalesce(r."createdAt", now())
  from ticket, jsonb_to_recordset($1::jsonb -> 'messages') as r(
    id uuid, direction text, "authorKind" text, "authorEmail" text, "authorName" text,
    "externalId" text, public boolean, "bodyText" text, "bodyHtml" text, "strippedText" text,
    "emailMessageId" text, "emailInReplyTo" text, "emailReferences" text[], attachments jsonb,
    "createdAt" timestamptz)
), events as (
  insert into ticket_events (ticket_id, type, actor_kind, data, created_at)
  select ticket.id, r.type, r."actorKind", r.data, coalesce(r."createdAt", now())
  from ticket, rows from (jsonb_to_recordset($1::jsonb -> 'events') as (
    type text, "actorKind" text, data jsonb, "createdAt" timestamptz))
    with ordinality as r(type, "actorKind", data, "createdAt", n)
  order by r.n
), queued as (
  insert into outbox (job_name, payload)
  select r."jobName", r.payload
  from ticket, jsonb_to_recordset($1::jsonb -> 'outbox') as r("jobName" text, payload jsonb)
)
select (select id from ticket) as ticket_id`;

/**
 * Writes a delivery that creates a ticket in one statement. Returns false when it wrote nothing:
 * the dedupe key was taken, the ticket already exists, or a concurrent delivery created it first.
 * The caller then runs the general transaction, which tells those cases apart.
 *
 * Must not run inside a transaction: a lost race aborts the statement, which would abort an
 * enclosing transaction with it.
 */
export async function insertNewTicketDelivery(db: Db, write: NewTicketWrite): Promise<boolean> {
  const rows = {
    inboxEvent: write.inboxEvent,
    ticket: write.ticket,
    messages: write.message ? [write.message] : [],
    events: write.events,
    outbox: write.outbox,
  };
  let input = JSON.stringify(rows);
  // JSON.stringify writes a lone surrogate as a \udXXX escape, which jsonb refuses, while a text
  // parameter (the general path) is UTF-8 encoded with U+FFFD in its place: do the same here. The
  // test also matches an escaped backslash before "ud8…", which only costs the second pass.
  if (/\\ud[89a-f]/i.test(input)) {
    input = JSON.stringify(rows, (_key, value) =>
      typeof value === 'string' ? value.replace(loneSurrogate, '\uFFFD') : value,
    );
  }
  let result: unknown;
  try {
    // A named query: postgres.js prepares the constant text once per connection (PGlite ignores
    // the name). Behind PgBouncer in transaction mode that needs PgBouncer 1.21+ with
    // max_prepared_statements set.
    result = await db._.session
      .prepareQuery(
        { sql: insertNewTicketSql, params: [input] },
        undefined,
        'intake_new_ticket',
        false,
      )
      .execute();
  } catch (err) {
    if (isLostTicketRace(err)) return false;
    throw err;
  }
  const [row] = rowsOf<{ ticket_id: string | null }>(result);
  return row?.ticket_id === write.ticket.id;
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// The inbox event's ticket and message are ours and written in the same statement, so these checks
// fail only when the ticket insert did nothing (the message is skipped with it).
const lostRaceConstraints = new Set([
  'inbox_events_ticket_id_tickets_id_fk',
  'inbox_events_message_id_messages_id_fk',
]);

/** The foreign key violation that means "another delivery created this ticket first". */
function isLostTicketRace(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const e = current as { code?: unknown; constraint_name?: unknown; constraint?: unknown };
    // postgres.js names the field constraint_name, PGlite constraint; drizzle wraps either in cause.
    const constraint = e.constraint_name ?? e.constraint;
    if (
      e.code === '23503' &&
      typeof constraint === 'string' &&
      lostRaceConstraints.has(constraint)
    ) {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
