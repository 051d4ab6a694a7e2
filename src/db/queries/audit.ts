import { and, desc, eq, like, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { rowsOf } from '../rows.js';
import {
  type AuditAction,
  type AuditActorKind,
  auditLog,
  listedAuditActions,
} from '../schema/audit-log.js';
import type { TicketEventType } from '../schema/ticket-events.js';
import { aiInteractions } from '../schema/triage.js';

/** A position in a newest-first listing: the row's timestamp (microseconds, UTC) and its key. */
export interface AuditCursor {
  at: string;
  key: string;
}

/** Timestamps as exact text: a JS Date drops the microseconds a cursor must compare on. */
const exactAt = (column: unknown) =>
  sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export async function insertAuditEntry(
  db: Db,
  entry: {
    action: AuditAction;
    actorKind: AuditActorKind;
    actorId?: string | null;
    data: Record<string, unknown>;
  },
): Promise<void> {
  await db.insert(auditLog).values({ ...entry, actorId: entry.actorId ?? null });
}

export interface AiInteractionFilter {
  ticketId?: string;
  /** A step (`triage.llm`) or a family of steps (`triage`). */
  kind?: string;
  from?: Date;
  to?: Date;
  after?: AuditCursor;
  limit: number;
}

/** Model calls, newest first. */
export async function listAiInteractions(db: Db, f: AiInteractionFilter) {
  const t = aiInteractions;
  const kind = f.kind
    ? f.kind.includes('.')
      ? eq(t.step, f.kind)
      : or(eq(t.step, f.kind), like(t.step, `${f.kind.replaceAll('_', '\\_')}.%`))
    : undefined;
  return db
    .select({
      id: t.id,
      ticketId: t.ticketId,
      step: t.step,
      model: t.model,
      promptVersion: t.promptVersion,
      inputRefs: t.inputRefs,
      output: t.output,
      latencyMs: t.latencyMs,
      promptTokens: t.promptTokens,
      completionTokens: t.completionTokens,
      at: exactAt(t.createdAt),
    })
    .from(t)
    .where(
      and(
        f.ticketId ? eq(t.ticketId, f.ticketId) : undefined,
        kind,
        f.from ? sql`${t.createdAt} >= ${f.from.toISOString()}::timestamptz` : undefined,
        f.to ? sql`${t.createdAt} < ${f.to.toISOString()}::timestamptz` : undefined,
        f.after
          ? sql`(${t.createdAt}, ${t.id}) < (${f.after.at}::timestamptz, ${f.after.key}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(t.createdAt), desc(t.id))
    .limit(f.limit);
}

/** Ticket events that record a person's (or the auto-send policy's) decision. */
export const ticketActionTypes = [
  'approved',
  'edited',
  'rejected',
  'regenerated',
  'claimed',
  'triage_corrected',
  'delivery_retried',
] as const satisfies readonly TicketEventType[];

export const actionNames = [
  ...ticketActionTypes,
  ...listedAuditActions,
  'api_key_created',
  'api_key_revoked',
  'user_created',
  'user_disabled',
] as const;
export type ActionName = (typeof actionNames)[number];

export interface ActionFilter {
  actions?: ActionName[];
  actorId?: string;
  ticketId?: string;
  from?: Date;
  to?: Date;
  after?: AuditCursor;
  limit: number;
}

export interface ActionRow {
  key: string;
  at: string;
  action: ActionName;
  actor_kind: string;
  actor_id: string | null;
  actor_name: string | null;
  ticket_id: string | null;
  data: Record<string, unknown>;
}

/**
 * Everything people did, newest first, from where each kind of action is recorded: ticket events
 * (review, corrections), the audit log (erasures, retention runs), and the api_keys and users
 * tables (created / revoked or disabled). Each source is read newest-first up to the page size
 * and the sources are merged, so a page costs a few index scans whatever the table sizes.
 */
export async function listActions(db: Db, f: ActionFilter): Promise<ActionRow[]> {
  const wanted = (names: readonly ActionName[]) =>
    !f.actions || names.some((n) => f.actions!.includes(n));
  const window = (at: SQL, key: SQL) =>
    sql.join(
      [
        f.from ? sql`${at} >= ${f.from.toISOString()}::timestamptz` : sql`true`,
        f.to ? sql`${at} < ${f.to.toISOString()}::timestamptz` : sql`true`,
        // The first comparison can use the (created_at, id) index; the second is exact.
        f.after
          ? sql`${at} <= ${f.after.at}::timestamptz
              and (${at}, ${key} collate "C") < (${f.after.at}::timestamptz, ${f.after.key})`
          : sql`true`,
      ],
      sql` and `,
    );
  const oneOf = (column: SQL, names: readonly ActionName[]) =>
    sql`${column} in (${sql.join(
      names.filter((n) => !f.actions || f.actions.includes(n)).map((n) => sql`${n}`),
      sql`, `,
    )})`;
  // People are recorded by email (as agents know each other), keys by id (see auth/actor.ts).
  const actorName = (actorId: SQL) => sql`coalesce(
      (select u.name from users u where u.email = ${actorId} or u.id::text = ${actorId} limit 1),
      (select k.name from api_keys k where k.id::text = ${actorId}))`;
  // The actor filter: as recorded (a key's id, a person's email), or a person's user id, since
  // people are recorded by email.
  const actorIs = (actorId: SQL) =>
    f.actorId
      ? sql`(${actorId} = ${f.actorId} or ${actorId} =
          (select u.email from users u where u.id::text = ${f.actorId}))`
      : sql`true`;
  const limit = f.limit;
  const branches: SQL[] = [];

  if (wanted(ticketActionTypes)) {
    const key = sql`'e:' || lpad(e.id::text, 19, '0')`;
    branches.push(sql`(select ${key} as key, e.created_at as at, e.type as action,
        e.actor_kind, e.actor_id, ${actorName(sql`e.actor_id`)} as actor_name,
        e.ticket_id::text as ticket_id, e.data
      from ticket_events e
      where ${oneOf(sql`e.type`, ticketActionTypes)}
        and ${actorIs(sql`e.actor_id`)}
        and ${f.ticketId ? sql`e.ticket_id = ${f.ticketId}::uuid` : sql`true`}
        and ${window(sql`e.created_at`, key)}
      order by e.created_at desc, e.id desc limit ${limit})`);
  }
  // The remaining sources have no ticket: a ticket filter leaves only ticket events.
  // The audit log holds every people action with who did it; an invite is stored as
  // `user_invited` and listed as `user_created`, and an invite or disable shows the person's name.
  const logged: readonly ActionName[] = [...listedAuditActions, 'user_created', 'user_disabled'];
  if (!f.ticketId && wanted(logged)) {
    const key = sql`'a:' || lpad(a.id::text, 19, '0')`;
    const stored = logged
      .filter((n) => !f.actions || f.actions.includes(n))
      .map((n) => (n === 'user_created' ? 'user_invited' : n));
    branches.push(sql`(select ${key} as key, a.created_at as at,
        case a.action when 'user_invited' then 'user_created' else a.action end as action,
        a.actor_kind, a.actor_id, ${actorName(sql`a.actor_id`)} as actor_name,
        null::text as ticket_id,
        case when a.action in ('user_invited', 'user_disabled')
          then a.data || jsonb_strip_nulls(jsonb_build_object('name',
            (select u.name from users u where u.id::text = a.data->>'userId')))
          else a.data end as data
      from audit_log a
      where a.action in (${sql.join(
        stored.map((n) => sql`${n}`),
        sql`, `,
      )})
        and ${actorIs(sql`a.actor_id`)}
        and ${window(sql`a.created_at`, key)}
      order by a.created_at desc, a.id desc limit ${limit})`);
  }
  const lifecycle = (
    table: 'api_keys' | 'users',
    created: ActionName,
    ended: ActionName,
    endedColumn: 'revoked_at' | 'disabled_at',
  ) => {
    const tag = table === 'api_keys' ? 'k' : 'u';
    const details = sql`jsonb_build_object(${table === 'api_keys' ? 'keyId' : 'userId'}::text, r.id,
        'name', r.name, 'role', r.role)`;
    for (const [action, column, suffix] of [
      [created, sql`r.created_at`, 'c'],
      [ended, sql.raw(`r.${endedColumn}`), 'x'],
    ] as const) {
      if (f.actions && !f.actions.includes(action)) continue;
      if (f.actorId) continue; // who created or revoked these is not recorded
      const key = sql`${`${tag}:`} || r.id::text || ${`:${suffix}`}`;
      // Keys are made and revoked only from the command line. An account is listed from the
      // users table only when the audit log has no entry for it (made before the log recorded
      // people actions, or by `createUser` outside them, as the first admin and the demo):
      // who did it is not known, and the row does not claim anyone.
      const unlogged =
        table === 'users'
          ? sql`not exists (select 1 from audit_log a
              where a.action = ${action === 'user_created' ? 'user_invited' : action}
                and a.data->>'userId' = r.id::text)`
          : sql`true`;
      const actorKind = table === 'users' ? 'unknown' : 'cli';
      branches.push(sql`(select ${key} as key, ${column} as at, ${action}::text as action,
          ${actorKind}::text as actor_kind, null::text as actor_id, null::text as actor_name,
          null::text as ticket_id, ${details} as data
        from ${sql.raw(table)} r
        where ${column} is not null and ${unlogged} and ${window(column, key)}
        order by ${column} desc, r.id desc limit ${limit})`);
    }
  };
  if (!f.ticketId) {
    lifecycle('api_keys', 'api_key_created', 'api_key_revoked', 'revoked_at');
    lifecycle('users', 'user_created', 'user_disabled', 'disabled_at');
  }
  if (branches.length === 0) return [];
  const rows = rowsOf<Omit<ActionRow, 'at'> & { at_text: string }>(
    await db.execute(sql`select m.key, ${exactAt(sql`m.at`)} as at_text, m.action, m.actor_kind,
        m.actor_id, m.actor_name, m.ticket_id, m.data
      from (${sql.join(branches, sql` union all `)}) m
      order by m.at desc, m.key collate "C" desc
      limit ${limit}`),
  );
  return rows.map(({ at_text, ...row }) => ({ ...row, at: at_text }));
}
