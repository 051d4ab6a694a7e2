import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { insertAuditEntry } from '../db/queries/audit.js';
import { rowsOf } from '../db/rows.js';
import type { AuditActorKind } from '../db/schema/audit-log.js';
import { tickets } from '../db/schema/tickets.js';
import { withTransaction } from '../db/tx.js';
import { DEFAULT_PHONE_REGIONS, detectPhones } from './phone.js';

export interface ErasureReport {
  email: string;
  tickets: number;
  inboxEvents: number;
  outboxRows: number;
  /** Messages on other customers' tickets that mentioned the address (redacted in place). */
  mentionsRedacted: number;
  /**
   * Rows derived from other tickets' text that quoted the person (address, name or phone):
   * model-call records (`ai_interactions`, also those without a ticket), training labels and
   * drafts. Rewritten in place with `[erased]`.
   */
  derivedRowsRedacted: number;
}

const ERASED = '[erased]';
const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every string in a JSON value (keys too) with the pattern's matches replaced. */
function scrubJson(value: unknown, pattern: RegExp): unknown {
  if (typeof value === 'string') return value.replace(pattern, ERASED);
  if (Array.isArray(value)) return value.map((item) => scrubJson(item, pattern));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key.replace(pattern, ERASED),
        scrubJson(item, pattern),
      ]),
    );
  }
  return value;
}

// Derived text columns on tickets that stay: what a model or an agent wrote from their messages.
const DERIVED_TEXT: readonly { table: string; columns: readonly string[] }[] = [
  { table: 'training_examples', columns: ['text'] },
  { table: 'drafts', columns: ['body_text', 'final_text', 'edit_diff', 'instructions'] },
];

/**
 * Rewrites what was derived from other tickets' text and quotes the person: the model-call audit
 * rows (inputs and outputs are JSON: every string in them is rewritten, and rows without a ticket
 * are included), training labels and drafts. The person's own tickets took theirs with them
 * (ON DELETE CASCADE). Returns the number of rows changed.
 */
async function redactDerivedRows(tx: Db, identifiers: readonly string[]): Promise<number> {
  const values = [...new Set(identifiers.filter((v) => v !== ''))].sort(
    (a, b) => b.length - a.length,
  );
  if (values.length === 0) return 0;
  // JSON text escapes quotes and backslashes; search for each value as it is written there.
  const needles = values.map((v) => JSON.stringify(v.toLowerCase()).slice(1, -1));
  const pattern = new RegExp(values.map(escapeRegExp).join('|'), 'gi');
  const calls = rowsOf<{ id: string; input_refs: unknown; output: unknown }>(
    await tx.execute(sql`
      select id, input_refs, output from ai_interactions
       where exists (
         select 1 from jsonb_array_elements_text(${JSON.stringify(needles)}::jsonb) as n(needle)
          where position(n.needle in lower(input_refs::text)) > 0
             or position(n.needle in lower(output::text)) > 0)
       for update`),
  );
  for (const call of calls) {
    await tx.execute(sql`
      update ai_interactions
         set input_refs = ${JSON.stringify(scrubJson(call.input_refs, pattern))}::jsonb,
             output = ${JSON.stringify(scrubJson(call.output, pattern))}::jsonb
       where id = ${call.id}`);
  }
  let changed = calls.length;
  const list = JSON.stringify(values.map((v) => v.toLowerCase()));
  const alternation = values.map(escapeRegExp).join('|');
  for (const { table, columns } of DERIVED_TEXT) {
    const sets = sql.join(
      columns.map(
        (c) =>
          sql`${sql.identifier(c)} = regexp_replace(${sql.identifier(c)}, ${alternation}, ${ERASED}, 'gi')`,
      ),
      sql`, `,
    );
    const matches = sql.join(
      columns.map((c) => sql`position(n.needle in lower(coalesce(${sql.identifier(c)}, ''))) > 0`),
      sql` or `,
    );
    const [row] = rowsOf<{ n: number }>(
      await tx.execute(sql`
        with changed as (
          update ${sql.identifier(table)} set ${sets}
           where exists (
             select 1 from jsonb_array_elements_text(${list}::jsonb) as n(needle) where ${matches})
          returning 1)
        select count(*)::int as n from changed`),
    );
    changed += row!.n;
  }
  return changed;
}

/** A list of uuids as one parameter (`= any(…)`), however long the batch. */
export const uuidList = (ids: readonly string[]) =>
  sql`string_to_array(${ids.join(',')}, ',')::uuid[]`;

/**
 * Deletes tickets and everything that points at them. ON DELETE CASCADE takes messages, lifecycle
 * events, triage, drafts, deliveries, model-call audit rows, metrics facts and training labels;
 * this also removes what only refers to them by value: the webhook dedupe records (which would
 * otherwise stay, unlinked) and pending outbox rows whose payload names the tickets or their
 * drafts or deliveries (a job for a row that no longer exists would only dead-letter).
 * Run it inside the caller's transaction.
 */
export async function deleteTickets(
  tx: Db,
  ids: readonly string[],
): Promise<{ inboxEvents: number; outboxRows: number }> {
  if (ids.length === 0) return { inboxEvents: 0, outboxRows: 0 };
  const list = uuidList(ids);
  const [counts] = rowsOf<{ inboxEvents: number; queued: number }>(
    await tx.execute(sql`
      with deleted_inbox_events as (
        delete from inbox_events where ticket_id = any(${list}) returning 1
      ), queued as (
        delete from outbox
         where state = 'pending'
           and (payload->>'ticketId' = any(${list}::text[])
             or payload->>'draftId' in (select id::text from drafts where ticket_id = any(${list}))
             or payload->>'deliveryId' in
                (select id::text from deliveries where ticket_id = any(${list})))
        returning 1
      )
      select (select count(*) from deleted_inbox_events)::int as "inboxEvents",
             (select count(*) from queued)::int as queued`),
  );
  await tx.execute(sql`delete from tickets where id = any(${list})`);
  return { inboxEvents: counts!.inboxEvents, outboxRows: counts!.queued };
}

export interface Actor {
  kind: AuditActorKind;
  id?: string | null;
}

/**
 * Right to erasure (GDPR art. 17) for one customer, in one transaction: their tickets go with
 * everything derived from them (see deleteTickets), the address, names and phone numbers are
 * redacted wherever else they were written (messages on other tickets, e.g. a colleague cc'd, and
 * what was derived from those: model-call records, training labels, drafts), and the audit log records that an
 * erasure happened, who asked for it and how much went — never whose it was.
 */
export async function eraseCustomer(
  db: Db,
  rawEmail: string,
  actor: Actor,
): Promise<ErasureReport> {
  const email = rawEmail.trim().toLowerCase();
  return withTransaction(db, async (tx) => {
    const owned = await tx
      .select({ id: tickets.id })
      .from(tickets)
      .where(eq(tickets.requesterEmail, email));
    const ids = owned.map((t) => t.id);
    // What else identifies the person, read before their tickets go: the names they used and the
    // phone numbers they wrote. Both are erased wherever else they appear.
    const identifiers = rowsOf<{ name: string | null; body: string | null }>(
      await tx.execute(sql`
        select requester_name as name, null as body from tickets where requester_email = ${email}
        union all
        select author_name, left(body_text, 64000) from messages where lower(author_email) = ${email}`),
    );
    const names = new Set<string>();
    const phones = new Set<string>();
    for (const row of identifiers) {
      const name = row.name?.trim();
      if (name && name.length >= 3) names.add(name);
      for (const phone of detectPhones(row.body ?? '', DEFAULT_PHONE_REGIONS)) {
        phones.add((row.body ?? '').slice(phone.start, phone.end));
      }
    }
    const { inboxEvents: inbox, outboxRows: queued } = await deleteTickets(tx, ids);
    // Case-insensitive: the address may have been written with capitals.
    const pattern = escapeRegExp(email);
    const redacted = rowsOf<{ n: number }>(
      await tx.execute(sql`
        with changed as (
          update messages
             set body_text = regexp_replace(body_text, ${pattern}, '[erased]', 'gi'),
                 stripped_text = regexp_replace(stripped_text, ${pattern}, '[erased]', 'gi'),
                 body_html = regexp_replace(body_html, ${pattern}, '[erased]', 'gi'),
                 author_email = case when lower(author_email) = ${email} then null else author_email end
           where lower(author_email) = ${email}
              or position(${email} in lower(body_text)) > 0
              or position(${email} in lower(coalesce(body_html, ''))) > 0
          returning 1)
        select count(*)::int as n from changed`),
    )[0]!.n;
    for (const value of [...names, ...phones]) {
      const literal = escapeRegExp(value);
      await tx.execute(sql`
        update messages
           set body_text = regexp_replace(body_text, ${literal}, '[erased]', 'gi'),
               stripped_text = regexp_replace(stripped_text, ${literal}, '[erased]', 'gi'),
               body_html = regexp_replace(body_html, ${literal}, '[erased]', 'gi'),
               author_name = case when author_name = ${value} then null else author_name end
         where position(lower(${value}) in lower(body_text)) > 0
            or position(lower(${value}) in lower(coalesce(body_html, ''))) > 0
            or author_name = ${value}`);
    }
    const derived = await redactDerivedRows(tx, [email, ...names, ...phones]);
    const counts = {
      tickets: ids.length,
      inboxEvents: inbox,
      outboxRows: queued,
      mentionsRedacted: redacted,
      derivedRowsRedacted: derived,
    };
    await insertAuditEntry(tx, {
      action: 'customer_erased',
      actorKind: actor.kind,
      actorId: actor.id ?? null,
      data: counts,
    });
    return { email, ...counts };
  });
}
