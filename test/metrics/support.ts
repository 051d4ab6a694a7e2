import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { rowsOf } from '../../src/db/rows.js';

/** Hand-built ticket histories: every row inserted directly with explicit timestamps. */
export interface History {
  created: string;
  status?: string;
  tags?: string[];
  automated?: boolean;
  channel?: string;
  triage?: { category: string; corrected?: string; priority?: string; team?: string };
  /** Public outbound replies: [time, 'agent' | 'ai']. */
  replies?: [string, 'agent' | 'ai'][];
  /** Status events in order: [time, 'solved' | 'reopened' | 'overdue']. */
  events?: [string, 'solved' | 'reopened' | 'overdue'][];
  drafts?: {
    status: string;
    autoSent?: boolean;
    decided?: boolean;
    editDistance?: number;
    words?: number;
    reason?: string;
  }[];
}

export async function insertHistory(db: Db, h: History): Promise<string> {
  const [t] = rowsOf<{ id: string }>(
    await db.execute(sql`insert into tickets (source, subject, status, channel, automated, tags,
        created_at, updated_at)
      values ('api', 'Help', ${h.status ?? 'open'}, ${h.channel ?? 'email'}, ${h.automated ?? false},
        ${`{${(h.tags ?? []).join(',')}}`}::text[], ${h.created}::timestamptz, ${h.created}::timestamptz)
      returning id`),
  );
  const id = t!.id;
  await db.execute(sql`insert into messages (ticket_id, direction, author_kind, body_text, created_at)
    values (${id}, 'inbound', 'customer', 'Where is my order?', ${h.created}::timestamptz)`);
  await db.execute(sql`insert into ticket_events (ticket_id, type, actor_kind, created_at)
    values (${id}, 'created', 'system', ${h.created}::timestamptz)`);
  for (const [at, kind] of h.replies ?? []) {
    await db.execute(sql`insert into messages (ticket_id, direction, author_kind, body_text,
        public, sent_at, created_at)
      values (${id}, 'outbound', ${kind}, 'Here you go', true, ${at}::timestamptz, ${at}::timestamptz)`);
    await db.execute(sql`insert into ticket_events (ticket_id, type, actor_kind, created_at)
      values (${id}, 'sent', ${kind}, ${at}::timestamptz)`);
  }
  for (const [at, type] of h.events ?? []) {
    await db.execute(sql`insert into ticket_events (ticket_id, type, actor_kind, created_at)
      values (${id}, ${type}, 'system', ${at}::timestamptz)`);
  }
  if (h.triage) {
    await db.execute(sql`insert into ticket_triage (ticket_id, category, confidence, decided_by,
        priority, sentiment, team, corrected_category)
      values (${id}, ${h.triage.category}, 0.9, 'classifier', ${h.triage.priority ?? 'normal'},
        'neutral', ${h.triage.team ?? null}, ${h.triage.corrected ?? null})`);
  }
  let version = 1;
  for (const d of h.drafts ?? []) {
    const decided = d.decided ?? d.status !== 'pending_approval';
    await db.execute(sql`insert into drafts (ticket_id, version, status, kind, body_text, model,
        auto_sent, decided_at, edit_distance, words_sent, reject_reason)
      values (${id}, ${version++}, ${d.status}, 'extractive', 'Draft text', 'test',
        ${d.autoSent ?? false}, ${decided ? h.created : null}::timestamptz,
        ${d.editDistance ?? null}, ${d.words ?? null}, ${d.reason ?? null})`);
  }
  return id;
}
