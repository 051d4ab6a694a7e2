import { type SQL, sql } from 'drizzle-orm';
import type { Config } from '../config/index.js';
import type { Db } from '../db/client.js';
import { rowsOf } from '../db/rows.js';
import { businessSecondsSql } from './business-hours.js';

type MetricsConfig = Pick<Config, 'BUSINESS_HOURS' | 'BUSINESS_TIMEZONE' | 'SLA_MINUTES'>;

/**
 * The per-ticket facts behind every metric (definitions in docs/metrics.md), recomputed from the
 * source tables for the tickets `scope` selects:
 *
 * - first reply: the earliest public outbound message written by an agent, or by the AI when a
 *   draft was auto-sent (an approved AI draft is delivered as authorKind 'agent'; see
 *   pipeline/deliver). Its time is `sent_at`, falling back to `created_at`.
 * - solved_at: the latest `solved` event while the ticket is solved/closed (reopened and solved
 *   again → the latest solve; currently open → null). A ticket imported already solved without a
 *   solved event uses its last update.
 * - closed_ranges: [solved, next reopened) intervals, so the backlog at any instant is exact.
 * - merged: status closed with the tag "merged" (how Zendesk marks a duplicate closed into
 *   another ticket).
 * - SLA due: created_at + SLA_MINUTES[sla policy] or [priority] (else "normal").
 * - drafts (not counting replies written by hand, kind 'manual'): "shown" = decided by a person (approved, edited, rejected or regenerated; auto-sent
 *   drafts were never shown); "unchanged" = sent with edit distance 0.
 */
function refreshSql(config: MetricsConfig, scope: SQL): SQL {
  const tz = config.BUSINESS_TIMEZONE;
  const hours = config.BUSINESS_HOURS;
  const sla = JSON.stringify(config.SLA_MINUTES);
  const frtBusiness = businessSecondsSql(sql`t.created_at`, sql`m.first_reply_at`, hours, tz);
  const resolvedAt = sql`(case when t.status in ('solved', 'closed')
    then coalesce(ev.last_solved, t.updated_at) end)`;
  const resBusiness = businessSecondsSql(sql`t.created_at`, resolvedAt, hours, tz);
  return sql`
    insert into ticket_metrics as tm (
      ticket_id, created_at, status, channel, language, automated, merged,
      category, predicted_category, corrected_category, priority, team, queue,
      first_reply_at, first_reply_seconds, first_reply_business_seconds,
      agent_replies, human_replies, ai_replies,
      solved_at, resolution_seconds, resolution_business_seconds, reopens, closed_ranges,
      sla_due_at, overdue,
      drafts_shown, drafts_unchanged, drafts_edited, drafts_rejected, drafts_auto_sent,
      edit_distance_sum, words_sent_sum, draft_savings, last_event_id, refreshed_at)
    select
      t.id, t.created_at, t.status, t.channel, coalesce(tr.language, t.language), t.automated,
      (t.status = 'closed' and 'merged' = any(t.tags)),
      coalesce(tr.corrected_category, tr.category), tr.category, tr.corrected_category,
      tr.priority, tr.team, tr.queue,
      m.first_reply_at,
      extract(epoch from m.first_reply_at - t.created_at)::float8,
      ${frtBusiness},
      coalesce(m.agent_replies, 0), coalesce(m.human_replies, 0), coalesce(m.ai_replies, 0),
      ${resolvedAt},
      extract(epoch from ${resolvedAt} - t.created_at)::float8,
      ${resBusiness},
      coalesce(ev.reopens, 0),
      case when t.status in ('solved', 'closed')
        then coalesce(cr.ranges, tstzmultirange(tstzrange(${resolvedAt}, null)))
        else cr.ranges end,
      t.created_at + make_interval(mins => coalesce(
        (${sla}::jsonb ->> tr.sla_policy)::float8,
        (${sla}::jsonb ->> tr.priority)::float8,
        (${sla}::jsonb ->> 'normal')::float8)::int),
      coalesce(ev.overdue, false),
      coalesce(d.shown, 0), coalesce(d.unchanged, 0), coalesce(d.edited, 0),
      coalesce(d.rejected, 0), coalesce(d.auto_sent, 0),
      coalesce(d.edit_distance, 0), coalesce(d.words_sent, 0), coalesce(d.savings, 0),
      ev.last_event_id, now()
    from tickets t
    left join ticket_triage tr on tr.ticket_id = t.id
    left join lateral (
      select
        min(coalesce(msg.sent_at, msg.created_at)) as first_reply_at,
        count(*)::int as agent_replies,
        count(*) filter (where msg.author_kind = 'agent')::int as human_replies,
        count(*) filter (where msg.author_kind = 'ai')::int as ai_replies
      from messages msg
      where msg.ticket_id = t.id and msg.direction = 'outbound' and msg.public
        and msg.author_kind in ('agent', 'ai')
    ) m on true
    left join lateral (
      select
        max(e.created_at) filter (where e.type = 'solved') as last_solved,
        count(*) filter (where e.type = 'reopened')::int as reopens,
        bool_or(e.type = 'overdue') as overdue,
        max(e.id) as last_event_id
      from ticket_events e where e.ticket_id = t.id
    ) ev on true
    left join lateral (
      select range_agg(tstzrange(s.at, s.next_at, '[)')) as ranges
      from (
        select e.type, e.created_at as at,
          lead(e.created_at) over (order by e.created_at, e.id) as next_at
        from ticket_events e
        where e.ticket_id = t.id and e.type in ('solved', 'reopened')
      ) s
      where s.type = 'solved'
    ) cr on true
    left join lateral (
      select
        count(*) filter (where not dr.auto_sent and dr.decided_at is not null)::int as shown,
        count(*) filter (where not dr.auto_sent and dr.status = 'sent'
          and coalesce(dr.edit_distance, 0) = 0)::int as unchanged,
        count(*) filter (where not dr.auto_sent and dr.status in ('approved', 'sent')
          and coalesce(dr.edit_distance, 0) > 0)::int as edited,
        count(*) filter (where dr.status = 'rejected')::int as rejected,
        count(*) filter (where dr.auto_sent and dr.status = 'sent')::int as auto_sent,
        coalesce(sum(dr.edit_distance) filter (where not dr.auto_sent and dr.status = 'sent'), 0)::int
          as edit_distance,
        coalesce(sum(dr.words_sent) filter (where not dr.auto_sent and dr.status = 'sent'), 0)::int
          as words_sent,
        coalesce(sum(case when dr.auto_sent then 1.0 else
          greatest(0, 1 - coalesce(dr.edit_distance, 0)::float8 / greatest(dr.words_sent, 1)) end)
          filter (where dr.status = 'sent'), 0)::float8 as savings
      -- Replies written by hand are not drafts anyone reviewed.
      from drafts dr where dr.ticket_id = t.id and dr.kind <> 'manual'
    ) d on true
    where ${scope}
    on conflict (ticket_id) do update set
      created_at = excluded.created_at, status = excluded.status, channel = excluded.channel,
      language = excluded.language, automated = excluded.automated, merged = excluded.merged,
      category = excluded.category, predicted_category = excluded.predicted_category,
      corrected_category = excluded.corrected_category, priority = excluded.priority,
      team = excluded.team, queue = excluded.queue, first_reply_at = excluded.first_reply_at,
      first_reply_seconds = excluded.first_reply_seconds,
      first_reply_business_seconds = excluded.first_reply_business_seconds,
      agent_replies = excluded.agent_replies, human_replies = excluded.human_replies,
      ai_replies = excluded.ai_replies, solved_at = excluded.solved_at,
      resolution_seconds = excluded.resolution_seconds,
      resolution_business_seconds = excluded.resolution_business_seconds,
      reopens = excluded.reopens, closed_ranges = excluded.closed_ranges,
      sla_due_at = excluded.sla_due_at, overdue = excluded.overdue,
      drafts_shown = excluded.drafts_shown, drafts_unchanged = excluded.drafts_unchanged,
      drafts_edited = excluded.drafts_edited, drafts_rejected = excluded.drafts_rejected,
      drafts_auto_sent = excluded.drafts_auto_sent, edit_distance_sum = excluded.edit_distance_sum,
      words_sent_sum = excluded.words_sent_sum, draft_savings = excluded.draft_savings,
      last_event_id = excluded.last_event_id, refreshed_at = excluded.refreshed_at`;
}

export interface RefreshResult {
  tickets: number;
  full: boolean;
}

/**
 * Brings `ticket_metrics` up to date.
 *
 * - `full: true` recomputes every ticket (after a change of BUSINESS_HOURS, BUSINESS_TIMEZONE or
 *   SLA_MINUTES, or for the first fill).
 * - otherwise (incremental) recomputes tickets with a ticket_event newer than the watermark, and —
 *   because event ids are not committed in order and tag changes (merges) write no event —
 *   tickets updated in the 10 minutes before the previous refresh. Triage, corrections and draft
 *   decisions each write a ticket_event, so their tables need no scan.
 * - `ticketIds` recomputes just those tickets (for callers on a write path).
 *
 * Idempotent, so concurrent refreshes are harmless (the later write wins with the same facts).
 */
export async function refreshTicketMetrics(
  db: Db,
  config: MetricsConfig,
  options: { full?: boolean; ticketIds?: string[] } = {},
): Promise<RefreshResult> {
  if (options.ticketIds) {
    if (options.ticketIds.length === 0) return { tickets: 0, full: false };
    const ids = sql`${`{${options.ticketIds.join(',')}}`}::uuid[]`;
    const n = await run(db, refreshSql(config, sql`t.id = any(${ids})`));
    return { tickets: n, full: false };
  }
  const [state] = rowsOf<{ last_event_id: number | string; refreshed_at: string | Date }>(
    await db.execute(
      sql`select last_event_id, refreshed_at from metrics_refresh_state where id = 1`,
    ),
  );
  const [top] = rowsOf<{ max_id: number | string | null; now: string | Date }>(
    await db.execute(sql`select (select max(id) from ticket_events) as max_id, now() as now`),
  );
  const maxId = Number(top?.max_id ?? 0);
  const now = new Date(top!.now);
  let n: number;
  const full = options.full || !state;
  if (full) {
    n = await run(db, refreshSql(config, sql`true`));
  } else {
    const since = new Date(new Date(state.refreshed_at).getTime() - 10 * 60_000).toISOString();
    const lastId = Number(state.last_event_id);
    n = await run(
      db,
      refreshSql(
        config,
        sql`t.id in (
          select e.ticket_id from ticket_events e where e.id > ${lastId}
          union select e.ticket_id from ticket_events e
            where e.created_at > ${since}::timestamptz and e.id > ${lastId} - 100000
          union select x.id from tickets x where x.updated_at > ${since}::timestamptz)`,
      ),
    );
  }
  await db.execute(sql`
    insert into metrics_refresh_state (id, last_event_id, refreshed_at)
    values (1, ${maxId}, ${now.toISOString()}::timestamptz)
    on conflict (id) do update set last_event_id = excluded.last_event_id,
      refreshed_at = excluded.refreshed_at`);
  return { tickets: n, full: Boolean(full) };
}

async function run(db: Db, query: SQL): Promise<number> {
  const result = (await db.execute(query)) as unknown as { count?: number; affectedRows?: number };
  return Number(result.count ?? result.affectedRows ?? 0);
}
