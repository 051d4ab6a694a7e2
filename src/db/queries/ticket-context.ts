import { getTableColumns, sql, type Table } from 'drizzle-orm';
import type { Db } from '../client.js';
import { rowsOf } from '../rows.js';
import { type Draft, drafts } from '../schema/drafts.js';
import { type Message, messages } from '../schema/messages.js';
import { type Ticket, tickets } from '../schema/tickets.js';
import { type TicketTriage, ticketTriage } from '../schema/triage.js';
import { kbSignatureSql } from './kb.js';

/** What a pipeline job reads about its ticket, once, before it works. */
export interface TicketContext {
  ticket: Ticket;
  /** Every message, oldest first (created_at, then id). */
  messages: Message[];
  triage: TicketTriage | null;
  /** The ticket's newest draft (highest version), if any. */
  latestDraft: Draft | null;
  /**
   * `settings_version` as of this read: the job's cached settings are reused while it is
   * unchanged (src/db/settings-cache.ts). Null on a database without the row.
   */
  settingsVersion: number | null;
  /** The knowledge base's state as of this read (`kbSignatureSql`): the draft step's baseline. */
  kbSignature: string;
  /** Whether the team has taught drafting anything yet (kb/answered.ts): none, nothing to read. */
  hasLessons: boolean;
}

/**
 * The ticket, its messages, its triage, its newest draft, the settings version and the KB's
 * signature in ONE statement (each part as JSON, decoded with the columns' own mappings, so the
 * objects are the ones `select()` returns). A triage or draft job used to read these in four to
 * seven separate round trips, several of them twice (bench:pipeline, sqlStatementsPerTicket).
 * Null when the ticket does not exist.
 */
export async function loadTicketContext(db: Db, ticketId: string): Promise<TicketContext | null> {
  const [row] = rowsOf<{
    ticket: unknown;
    messages: unknown;
    triage: unknown;
    latest_draft: unknown;
    settings_version: string | number | null;
    kb_signature: string;
    has_lessons: boolean;
  }>(
    await db.execute(sql`
      select row_to_json(t) as ticket,
             (select coalesce(json_agg(m order by m.created_at, m.id), '[]'::json)
                from messages m where m.ticket_id = t.id) as messages,
             (select row_to_json(tt) from ticket_triage tt where tt.ticket_id = t.id) as triage,
             (select row_to_json(d) from drafts d where d.ticket_id = t.id
               order by d.version desc limit 1) as latest_draft,
             (select s.version from settings_version s where s.id = 1) as settings_version,
             ${kbSignatureSql} as kb_signature,
             exists (select 1 from kb_answered_questions) as has_lessons
      from tickets t where t.id = ${ticketId}`),
  );
  if (!row) return null;
  return {
    ticket: fromJson(tickets, row.ticket)!,
    messages: (parsed(row.messages) as unknown[]).map((m) => fromJson(messages, m)!),
    triage: fromJson(ticketTriage, row.triage),
    latestDraft: fromJson(drafts, row.latest_draft),
    settingsVersion: row.settings_version === null ? null : Number(row.settings_version),
    kbSignature: row.kb_signature,
    hasLessons: row.has_lessons === true,
  };
}

/** The driver hands `json` back parsed (postgres.js) or as text (some configurations). */
function parsed(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** A row as `row_to_json` wrote it (column names as keys) → the table's select type. */
export function fromJson<T extends Table>(table: T, value: unknown): T['$inferSelect'] | null {
  const raw = parsed(value) as Record<string, unknown> | null;
  if (!raw) return null;
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const v = raw[column.name];
    out[key] = v === null || v === undefined ? null : column.mapFromDriverValue(v);
  }
  return out as T['$inferSelect'];
}
