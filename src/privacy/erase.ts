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
   * Rows derived from other tickets' text that quoted the person (address, name, a single word
   * of their name, or phone): model-call records (`ai_interactions`, also those without a
   * ticket), training labels and drafts, rewritten in place with `[erased]`, and triage results
   * whose explanation terms named them (those terms dropped).
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

/**
 * A triage result's fields with every explanation term that names the person dropped (a term
 * list keeps no `[erased]` entries: they would only say that something was there), and any other
 * string scrubbed.
 */
function scrubTriageFields(value: unknown, pattern: RegExp): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return scrubJson(value, pattern);
  }
  return Object.fromEntries(
    Object.entries(value).map(([field, decision]) => {
      const scrubbed = scrubJson(decision, pattern);
      if (scrubbed === null || typeof scrubbed !== 'object' || Array.isArray(scrubbed)) {
        return [field, scrubbed];
      }
      const explanation = (decision as { explanation?: unknown }).explanation;
      if (!Array.isArray(explanation)) return [field, scrubbed];
      return [
        field,
        {
          ...scrubbed,
          explanation: explanation.filter((entry: unknown) => {
            const term = (entry as { term?: unknown } | null)?.term;
            return typeof term !== 'string' || term.replace(pattern, ERASED) === term;
          }),
        },
      ];
    }),
  );
}

/**
 * The single words of the person's names worth erasing on their own: "Kowalski" or "Anna" alone
 * still points at Anna Kowalski in a triage term or a draft. Words shorter than three letters
 * ("Li" is a name, but also a fragment of every other word) are left out; each word is also kept
 * without its accents, as the classifier's terms may be folded.
 */
function nameWords(names: Iterable<string>): string[] {
  const words = new Set<string>();
  for (const name of names) {
    // "Jean-Pierre" and "O'Brien" whole, and their parts: "Pierre" alone names him too.
    for (const compound of name.match(/[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*/gu) ?? []) {
      for (const word of new Set([compound, ...compound.split(/['’-]/)])) {
        if ([...word].length < 3) continue;
        words.add(word.toLowerCase());
        words.add(word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase());
      }
    }
  }
  return [...words];
}

// Derived rows on tickets that stay: what a model or an agent wrote from their messages, and the
// triage terms picked out of them. `json` columns have every string in them rewritten.
const DERIVED: readonly {
  table: string;
  key: string;
  text?: readonly string[];
  json?: readonly string[];
  scrub?: (value: unknown, pattern: RegExp) => unknown;
  /**
   * Whether single name words are erased here too, not only whole identifiers. Only triage
   * explanation terms: a term is dropped, never rewritten, and a term naming the person is
   * exactly what to lose. Prose (drafts, training labels, model output) keeps its words: a name
   * made of common words ("Will Price", "Mark Hope") would otherwise rewrite "we will refund the
   * price" in every other customer's draft, including drafts about to be sent.
   */
  singleWords?: boolean;
}[] = [
  { table: 'ai_interactions', key: 'id', json: ['input_refs', 'output'] },
  { table: 'training_examples', key: 'id', text: ['text'] },
  {
    table: 'drafts',
    key: 'id',
    text: ['body_text', 'final_text', 'edit_diff', 'instructions'],
  },
  {
    table: 'ticket_triage',
    key: 'ticket_id',
    json: ['fields'],
    scrub: scrubTriageFields,
    singleWords: true,
  },
];

/**
 * Rewrites what was derived from other tickets' text and quotes the person: the model-call audit
 * rows (rows without a ticket included), training labels, drafts and triage explanation terms.
 * Whole identifiers (address, full name, phone) are replaced wherever they occur; single name
 * words only in triage terms (see `singleWords`), and only as whole words ("Ann" in
 * "announcement" stays). Candidate rows are found in SQL by
 * a plain substring match and rewritten here, where the patterns are Unicode-aware whatever the
 * database's locale. The person's own tickets took theirs with them (ON DELETE CASCADE).
 * Returns the number of rows changed.
 */
async function redactDerivedRows(
  tx: Db,
  identifiers: readonly string[],
  words: readonly string[],
): Promise<number> {
  const values = [...new Set(identifiers.filter((v) => v !== ''))].sort(
    (a, b) => b.length - a.length,
  );
  if (values.length === 0 && words.length === 0) return 0;
  // Whole identifiers first, so a full name becomes one `[erased]`, not one per word.
  const patternOf = (withWords: boolean) =>
    new RegExp(
      [
        ...values.map(escapeRegExp),
        ...(withWords ? words : []).map(
          (w) => `(?<![\\p{L}\\p{M}\\p{N}])${escapeRegExp(w)}(?![\\p{L}\\p{M}\\p{N}])`,
        ),
      ].join('|') || '(?!)',
      'giu',
    );
  // JSON text escapes quotes and backslashes; search for each value as it is written there.
  const listOf = (withWords: boolean) =>
    JSON.stringify(
      [...values, ...(withWords ? words : [])].map((v) =>
        JSON.stringify(v.toLowerCase()).slice(1, -1),
      ),
    );
  let changed = 0;
  for (const entry of DERIVED) {
    const { table, key, text = [], json = [], scrub = scrubJson } = entry;
    const withWords = entry.singleWords === true;
    if (values.length === 0 && !withWords) continue;
    const pattern = patternOf(withWords);
    const list = listOf(withWords);
    const columns = [...text, ...json];
    const matches = sql.join(
      columns.map(
        (c) => sql`position(n.needle in lower(coalesce(${sql.identifier(c)}::text, ''))) > 0`,
      ),
      sql` or `,
    );
    const rows = rowsOf<Record<string, unknown>>(
      await tx.execute(sql`
        select ${sql.join(
          [key, ...columns].map((c) => sql.identifier(c)),
          sql`, `,
        )}
          from ${sql.identifier(table)}
         where exists (
           select 1 from jsonb_array_elements_text(${list}::jsonb) as n(needle) where ${matches})
         for update`),
    );
    for (const row of rows) {
      const sets = [];
      for (const c of text) {
        const before = row[c];
        if (typeof before !== 'string') continue;
        const after = before.replace(pattern, ERASED);
        if (after !== before) sets.push(sql`${sql.identifier(c)} = ${after}`);
      }
      for (const c of json) {
        const before = JSON.stringify(row[c]);
        const after = JSON.stringify(scrub(row[c], pattern));
        if (after !== before) sets.push(sql`${sql.identifier(c)} = ${after}::jsonb`);
      }
      if (sets.length === 0) continue; // a substring, not a word: "ann" in "announcement"
      await tx.execute(sql`
        update ${sql.identifier(table)} set ${sql.join(sets, sql`, `)}
         where ${sql.identifier(key)} = ${row[key]}`);
      changed += 1;
    }
  }
  return changed;
}

/**
 * Answered questions (kb/answered.ts) kept from other tickets that name the person: deleted, not
 * rewritten (their lexemes would keep the name). Their own tickets' went with the tickets.
 */
async function forgetLessonsMentioning(tx: Db, identifiers: readonly string[]): Promise<number> {
  const needles = [...new Set(identifiers.filter((v) => v !== '').map((v) => v.toLowerCase()))];
  if (needles.length === 0) return 0;
  const rows = rowsOf<{ n: number }>(
    await tx.execute(sql`
      with gone as (
        delete from kb_answered_questions
         where exists (
           select 1 from jsonb_array_elements_text(${JSON.stringify(needles)}::jsonb) n(needle)
            where position(n.needle in lower(question)) > 0)
        returning 1)
      select count(*)::int n from gone`),
  );
  return rows[0]?.n ?? 0;
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
 * what was derived from those: model-call records, training labels, drafts, triage terms — there
 * also each single word of their names), and the audit log records that an erasure happened, who
 * asked for it and how much went — never whose it was. Other customers' own messages keep a lone
 * first or last name: it may well be someone else's.
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
    const derived =
      (await redactDerivedRows(tx, [email, ...names, ...phones], nameWords(names))) +
      (await forgetLessonsMentioning(tx, [email, ...names, ...phones]));
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
